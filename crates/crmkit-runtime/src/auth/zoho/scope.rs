//! OAuth scopes: `<service>.<scope name>[.<resource>].<operation type>`, e.g.
//! `ZohoCRM.modules.leads.READ`.
//!
//! The typed constructors cover the scopes Zoho CRM and Zoho Voice document — group
//! scopes (`ZohoCRM.modules.ALL`) and per-module or per-setting ones
//! (`ZohoCRM.settings.fields.READ`); [`Scope::parse`] accepts any other well-formed scope.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// What a scope allows on its resource (Zoho's "operation type").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Everything: read, create, update, delete.
    All,
    /// Read only.
    Read,
    /// Create.
    Create,
    /// Update.
    Update,
    /// Delete.
    Delete,
}

impl Access {
    /// `ALL`, `READ`, `CREATE`, `UPDATE` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::All => "ALL",
            Access::Read => "READ",
            Access::Create => "CREATE",
            Access::Update => "UPDATE",
            Access::Delete => "DELETE",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Access::All,
            Access::Read,
            Access::Create,
            Access::Update,
            Access::Delete,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }
}

macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
        }

        impl $name {
            /// The name as it appears in the scope.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }
    };
}

names! {
    /// A Zoho CRM module with its own scope (`ZohoCRM.modules.<module>.<access>`).
    /// `Custom` covers every custom module.
    CrmModule {
        Approvals => "approvals",
        Leads => "leads",
        Accounts => "accounts",
        Contacts => "contacts",
        Deals => "deals",
        Campaigns => "campaigns",
        Tasks => "tasks",
        Cases => "cases",
        Events => "events",
        Calls => "calls",
        Solutions => "solutions",
        Products => "products",
        Vendors => "vendors",
        PriceBooks => "pricebooks",
        Quotes => "quotes",
        SalesOrders => "salesorders",
        PurchaseOrders => "purchaseorders",
        Invoices => "invoices",
        Custom => "custom",
        Dashboards => "dashboards",
        Notes => "notes",
        Activities => "activities",
        Search => "search",
    }
}

names! {
    /// A Zoho CRM setting with its own scope (`ZohoCRM.settings.<setting>.<access>`).
    CrmSetting {
        Territories => "territories",
        CustomViews => "custom_views",
        RelatedLists => "related_lists",
        Modules => "modules",
        TabGroups => "tab_groups",
        Fields => "fields",
        Layouts => "layouts",
        Macros => "macros",
        CustomLinks => "custom_links",
        CustomButtons => "custom_buttons",
        Roles => "roles",
        Profiles => "profiles",
        Tags => "tags",
        Variables => "variables",
        VariableGroups => "variable_groups",
    }
}

/// One OAuth scope, e.g. `ZohoCRM.modules.leads.READ`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope(String);

impl Scope {
    fn of(service: &str, name: &str, access: Access) -> Self {
        Scope(format!("{service}.{name}.{}", access.as_str()))
    }

    /// `ZohoCRM.modules.<access>`: the records of every module.
    pub fn crm_modules(access: Access) -> Self {
        Self::of("ZohoCRM", "modules", access)
    }

    /// `ZohoCRM.modules.<module>.<access>`: the records of one module.
    pub fn crm_module(module: CrmModule, access: Access) -> Self {
        Self::of("ZohoCRM", &format!("modules.{}", module.as_str()), access)
    }

    /// `ZohoCRM.settings.<access>`: all metadata (modules, fields, layouts, …).
    pub fn crm_settings(access: Access) -> Self {
        Self::of("ZohoCRM", "settings", access)
    }

    /// `ZohoCRM.settings.<setting>.<access>`: one kind of metadata.
    pub fn crm_setting(setting: CrmSetting, access: Access) -> Self {
        Self::of("ZohoCRM", &format!("settings.{}", setting.as_str()), access)
    }

    /// `ZohoCRM.users.<access>`.
    pub fn crm_users(access: Access) -> Self {
        Self::of("ZohoCRM", "users", access)
    }

    /// `ZohoCRM.org.<access>`.
    pub fn crm_org(access: Access) -> Self {
        Self::of("ZohoCRM", "org", access)
    }

    /// `ZohoCRM.bulk.<access>` (bulk read jobs need `READ`).
    pub fn crm_bulk(access: Access) -> Self {
        Self::of("ZohoCRM", "bulk", access)
    }

    /// `ZohoCRM.notifications.<access>` (subscriptions to record changes).
    pub fn crm_notifications(access: Access) -> Self {
        Self::of("ZohoCRM", "notifications", access)
    }

    /// `ZohoVoice.contacts.<access>`.
    pub fn voice_contacts(access: Access) -> Self {
        Self::of("ZohoVoice", "contacts", access)
    }

    /// Any well-formed scope: a service, one or two names, and an operation type
    /// (`ALL`, `READ`, `CREATE`, `UPDATE`, `DELETE`, in any case).
    pub fn parse(scope: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::Config(format!("`{scope}` is not an OAuth scope: {why}"));
        let parts: Vec<&str> = scope.split('.').collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(invalid(
                "expected <service>.<name>[.<resource>].<operation type>",
            ));
        }
        let word = |s: &str, extra: char| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == extra)
        };
        if !word(parts[0], '-') {
            return Err(invalid("the service is not a name"));
        }
        if !parts[1..parts.len() - 1].iter().all(|p| word(p, '_')) {
            return Err(invalid("the scope name is not a name"));
        }
        let access = parts[parts.len() - 1];
        let access = Access::parse(access).ok_or_else(|| {
            invalid("the operation type is not ALL, READ, CREATE, UPDATE or DELETE")
        })?;
        let name = parts[1..parts.len() - 1].join(".");
        Ok(Self::of(parts[0], &name, access))
    }

    /// The scope as sent to Zoho.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Scope {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Scope::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_zoho_writes_them() {
        assert_eq!(
            Scope::crm_module(CrmModule::Leads, Access::Read).as_str(),
            "ZohoCRM.modules.leads.READ"
        );
        assert_eq!(
            Scope::crm_modules(Access::All).as_str(),
            "ZohoCRM.modules.ALL"
        );
        assert_eq!(
            Scope::crm_setting(CrmSetting::CustomViews, Access::Read).as_str(),
            "ZohoCRM.settings.custom_views.READ"
        );
        assert_eq!(
            Scope::voice_contacts(Access::Delete).as_str(),
            "ZohoVoice.contacts.DELETE"
        );
        assert_eq!(
            Scope::parse("ZohoCRM.settings.layouts.read").unwrap(),
            Scope::crm_setting(CrmSetting::Layouts, Access::Read)
        );
        assert_eq!(
            "ZohoCRM.bulk.read".parse::<Scope>().unwrap(),
            Scope::crm_bulk(Access::Read)
        );
        for bad in [
            "",
            "ZohoCRM",
            "ZohoCRM.modules",
            "ZohoCRM.modules.WRITE",
            "ZohoCRM.modules.leads.x.READ",
            "Zoho CRM.modules.ALL",
            "ZohoCRM..ALL",
            "ZohoCRM.modules,ZohoCRM.settings.ALL",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
    }
}
