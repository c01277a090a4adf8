//! The specs' simplest `pattern`s checked without a regular expression: the generated
//! `FromStr` of a string type whose pattern is listed in xtask's `postprocess::PATTERNS`
//! calls one of these instead of compiling and running `regress` (path parameters are
//! checked on every call, ids in every decoded record). Each answers exactly what its
//! ECMAScript pattern answers (`$` is the end of the input, the classes are ASCII);
//! `tests` compares them with `regress` on generated strings.

/// `^[0-9]+$`.
pub fn digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// `^[A-Za-z][A-Za-z0-9_]*$`.
pub fn identifier(value: &str) -> bool {
    let mut bytes = value.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `^[A-Za-z0-9_]+$`.
pub fn word(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_answers_what_its_pattern_answers() {
        type Check = fn(&str) -> bool;
        let checks: [(&str, Check); 3] = [
            ("^[0-9]+$", digits),
            ("^[A-Za-z][A-Za-z0-9_]*$", identifier),
            ("^[A-Za-z0-9_]+$", word),
        ];
        // Every string of up to three characters over an alphabet with each class's edges,
        // and a few characters that look alike (a newline before the end, a non-ASCII
        // digit and letter, a NUL).
        let alphabet = [
            "", "0", "9", "a", "z", "A", "Z", "_", "-", ".", " ", "\n", "٣", "é", "\0", "/", "`",
            "@", "[", "{",
        ];
        let mut inputs = Vec::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    inputs.push(format!("{a}{b}{c}"));
                }
            }
        }
        inputs.push("Leads_X1".repeat(200));
        inputs.push("4150868000000026005".into());
        for (pattern, check) in checks {
            let regex = regress::Regex::new(pattern).unwrap();
            for input in &inputs {
                assert_eq!(
                    check(input),
                    regex.find(input).is_some(),
                    "{pattern} on {input:?}"
                );
            }
        }
    }
}
