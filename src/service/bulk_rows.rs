//! One bulk row as an [`Invite`]: what a row can get wrong on its own
//! (its login ID, names, tenants, language, custom columns), said the way
//! the preview shows it.

use super::bulk_results::Kind;
use super::catalog::Catalog;
use super::invitations::Invite;
use crate::domain::grants::{Grants, TenantRole};
use crate::domain::{
    attributes::CustomAttributes, bulk_input::RawRow, language::Language, login_id::LoginId, person_name::PersonName,
    template_key::TemplateKey,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Settings shared by every row: the list mode's roles and tenants, and
/// defaults for CSV rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BulkOptions {
    pub roles: Vec<String>,
    pub tenants: Vec<Uuid>,
    pub lang: String,
    pub send_now: bool,
}

/// Turn a raw row into an invitation, or say why it cannot be one.
pub(super) fn request_for(row: &RawRow, options: &BulkOptions, catalog: &Catalog) -> Result<Invite, (Kind, String)> {
    let invalid = |m: String| (Kind::Invalid, m);
    if let Some(problem) = &row.problem {
        return Err(invalid(format!("row {problem}")));
    }
    if row.login_id().is_empty() {
        return Err(invalid("no email or phone".into()));
    }
    let login_id = LoginId::parse(row.login_id()).map_err(|m| {
        invalid(if row.email.trim().is_empty() {
            "not a phone number in international format".into()
        } else {
            format!("not an email address ({m})")
        })
    })?;
    let mut grants = Grants { roles: options.roles.clone(), tenants: options.tenants.clone(), tenant_roles: vec![] };
    for reference in &row.tenants {
        let tenant = catalog.tenant_by_ref(reference).ok_or_else(|| invalid(format!("unknown tenant {reference}")))?;
        if !grants.tenants.contains(&tenant.id) {
            grants.tenants.push(tenant.id);
        }
    }
    for role in &row.roles {
        match role.split_once(':') {
            Some((tenant_ref, role)) => {
                let tenant =
                    catalog.tenant_by_ref(tenant_ref).ok_or_else(|| invalid(format!("unknown tenant {tenant_ref}")))?;
                grants.tenant_roles.push(TenantRole { tenant: tenant.id, role: role.to_string() });
            }
            None => grants.roles.push(role.clone()),
        }
    }
    let lang = if row.lang.is_empty() { &options.lang } else { &row.lang };
    let lang = match lang.as_str() {
        "" => None,
        lang => Some(Language::parse(lang).map_err(|_| invalid(format!("unknown language {lang}")))?),
    };
    let custom_attributes =
        CustomAttributes::from_rows(row.custom.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(invalid)?;
    let (given_name, family_name) =
        if row.given_name.is_empty() && row.family_name.is_empty() && !row.display_name.is_empty() {
            match row.display_name.split_once(' ') {
                Some((g, f)) => (g.to_string(), f.to_string()),
                None => (row.display_name.clone(), String::new()),
            }
        } else {
            (row.given_name.clone(), row.family_name.clone())
        };
    let name = |what: &str, raw: &str| PersonName::parse(raw).map_err(|m| invalid(format!("{what}: {m}")));
    Ok(Invite {
        login_id,
        given_name: name("given name", &given_name)?,
        family_name: name("family name", &family_name)?,
        custom_attributes,
        grants,
        send_now: options.send_now,
        lang,
        redirect_url: None,
        template_key: TemplateKey::invite(),
        expires_in: None,
    })
}
