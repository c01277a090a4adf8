//! The phone `type` codes as a Rust enum that tolerates codes added later.

use crate::types::{PhoneType, PhoneTypeInput};

/// What kind of number a phone number is (`type`: 0 home, 1 company, 2 mobile, 3 fax,
/// 4 other). A code this client does not know is kept as `Unknown(code)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// 0, 住家.
    Home,
    /// 1, 公司.
    Company,
    /// 2, 手機.
    Mobile,
    /// 3, 傳真.
    Fax,
    /// 4, 其他.
    Other,
    /// A code not known to this client.
    Unknown(i32),
}

impl From<i32> for PhoneKind {
    fn from(code: i32) -> Self {
        match code {
            0 => PhoneKind::Home,
            1 => PhoneKind::Company,
            2 => PhoneKind::Mobile,
            3 => PhoneKind::Fax,
            4 => PhoneKind::Other,
            other => PhoneKind::Unknown(other),
        }
    }
}

impl From<PhoneKind> for i32 {
    fn from(kind: PhoneKind) -> i32 {
        match kind {
            PhoneKind::Home => 0,
            PhoneKind::Company => 1,
            PhoneKind::Mobile => 2,
            PhoneKind::Fax => 3,
            PhoneKind::Other => 4,
            PhoneKind::Unknown(code) => code,
        }
    }
}

impl PhoneType {
    /// The code as a [`PhoneKind`].
    pub fn kind(&self) -> PhoneKind {
        PhoneKind::from(self.0)
    }
}

impl From<PhoneKind> for PhoneTypeInput {
    fn from(kind: PhoneKind) -> Self {
        PhoneTypeInput(kind.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_both_ways_and_unknown_codes_survive() {
        for code in -1..7 {
            assert_eq!(i32::from(PhoneKind::from(code)), code);
        }
        assert_eq!(PhoneType(2).kind(), PhoneKind::Mobile);
        assert_eq!(PhoneType(9).kind(), PhoneKind::Unknown(9));
    }
}
