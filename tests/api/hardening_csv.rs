//! Issue #7, items 6 and 19–21: CSV exports defuse spreadsheet formulas;
//! bulk confirm redirects to a result that can be found again; an upload
//! error keeps every choice; upload messages say what is wrong.

use super::helpers::{PASSWORD, TestApp, spawn_app, spawn_client, verdict};
use super::invitations::settings;

/// Cells a spreadsheet would run as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Every record of a CSV document, header first.
fn records(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn assert_no_cell_starts_a_formula(rows: &[Vec<String>]) {
    for cell in rows.iter().flatten() {
        assert!(!cell.starts_with(FORMULA_STARTS), "a spreadsheet would run {cell:?}");
    }
}

#[tokio::test]
async fn the_bulk_result_csv_defuses_cells_that_a_spreadsheet_would_run_as_formulas() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let file = "email,phone,given_name,family_name\n\
                ada@x.io,,=1+2,Lovelace\n\
                ,+4915112345678,@SUM(A1),Hopper\n\
                grace@x.io,,-2+3,Hopper\n\
                \"=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\",,Eve,Vil\n";
    let html = app.upload_csv(file.as_bytes(), false).await.text().await.unwrap();
    let (result_page, _) = app.confirm_bulk(&html).await;

    let r = app.get(&format!("{result_page}/result.csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let rows = records(&r.text().await.unwrap());
    let row = |line: &str| rows.iter().find(|r| r[0] == line).unwrap_or_else(|| panic!("no line {line}"));
    assert_eq!(row("2")[2], "'=1+2 Lovelace");
    assert_eq!(row("3")[1], "'+4915112345678", "a phone number is kept, as text");
    assert_eq!(row("3")[2], "'@SUM(A1) Hopper");
    assert_eq!(row("4")[2], "'-2+3 Hopper");
    assert!(row("5")[1].starts_with("'=HYPERLINK("), "{:?}", row("5"));
    assert_eq!(row("2")[3], "invited", "the rest of the file reads as before");
    assert_no_cell_starts_a_formula(&rows);
}

#[tokio::test]
async fn the_audit_log_csv_defuses_cells_that_a_spreadsheet_would_run_as_formulas() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", &["admin"]).await;
    let evil_agent = "=cmd|' /C calc'!A0";
    // A failed sign-in records the login ID as typed, and the browser's name.
    let token = app.csrf().await;
    let typed = [("email", "=cmd|calc@evil.example"), ("password", "wrong"), ("csrf_token", token.as_str())];
    app.client.post(app.url("/login")).header("user-agent", evil_agent).form(&typed).send().await.unwrap();
    let form = [("email", "admin@example.com"), ("password", PASSWORD), ("csrf_token", token.as_str())];
    let r = app.client.post(app.url("/login")).header("user-agent", evil_agent).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.invite("+4915112345678", &[]).await.status(), 303);

    let r = app.get("/admin/audit.csv").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let rows = records(&r.text().await.unwrap());
    let entry = |action: &str| rows.iter().find(|r| r[2] == action).unwrap_or_else(|| panic!("no {action}"));
    assert_eq!(entry("session.login_failed")[3], "'=cmd|calc@evil.example");
    assert_eq!(entry("session.login_failed")[6], "'=cmd|' /C calc'!A0");
    assert_eq!(entry("session.login")[6], "'=cmd|' /C calc'!A0");
    assert_eq!(entry("invitation.created")[3], "'+4915112345678", "a phone number is kept, as text");
    assert_eq!(entry("invitation.created")[1], "admin@example.com", "other cells read as before");
    assert_no_cell_starts_a_formula(&rows);
}

#[tokio::test]
async fn confirm_redirects_to_the_result_and_a_second_confirm_lands_on_the_same_result() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let html = app
        .post_form("/admin/invitations/bulk/preview", &[("mode", "list"), ("list", "a@x.io b@x.io c@x.io")])
        .await
        .text()
        .await
        .unwrap();
    let (location, result) = app.confirm_bulk(&html).await;
    assert!(location.starts_with("/admin/invitations/bulk/") && !location.ends_with("/commit"), "{location}");
    assert!(result.contains("Bulk invite: result") && result.contains("<strong>3</strong> invited"));

    // The browser's back button and Confirm again: the same result, no error.
    let again = app.post_form(&TestApp::commit_action(&html), &[]).await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"], location.as_str());
    assert!(app.get_html(&location).await.contains("<strong>3</strong> invited"));
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 3, "nobody invited twice");
}

#[tokio::test]
async fn a_double_click_on_confirm_of_a_large_import_lands_both_clicks_on_the_finished_result() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut file = String::from("email\n");
    for i in 0..1_200 {
        file.push_str(&format!("person{i}@x.io\n"));
    }
    let html = app.upload_csv(file.as_bytes(), false).await.text().await.unwrap();
    let action = TestApp::commit_action(&html);
    let (first, second) = tokio::join!(app.post_form(&action, &[]), app.post_form(&action, &[]));
    for r in [&first, &second] {
        assert_eq!(r.status(), 303, "no error page for either click");
    }
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    let result = app.get_html(first.headers()["location"].to_str().unwrap()).await;
    assert!(result.contains("<strong>1,200</strong> invited"), "the finished result");
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1_200, "nobody invited twice");
}

/// The recent imports list's row for an import, by its result address.
fn listed(bulk_page: &str, result_page: &str) -> Option<String> {
    let id = result_page.rsplit('/').next().unwrap();
    let start = bulk_page.find(&format!("data-import=\"{id}\""))?;
    Some(bulk_page[start..].split("</tr>").next().unwrap().to_string())
}

#[tokio::test]
async fn the_bulk_page_lists_recent_imports_each_visible_only_within_its_scope() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    let acme = app.tenant("Acme", "acme").await;
    let globex = app.tenant("Globex", "globex").await;
    app.invite("old@x.io", &[]).await;
    app.create_user("active@x.io", &[]).await;
    let preview = |list: &'static str| [("mode", "list"), ("list", list)];

    let html = app.post_form("/admin/invitations/bulk/preview", &preview("new@x.io old@x.io active@x.io")).await;
    let (admins, _) = app.confirm_bulk(&html.text().await.unwrap()).await;
    let mut leads = Vec::new();
    for (who, tenant, hire) in [("acme-lead@x.io", acme, "acme-hire@x.io"), ("globex-lead@x.io", globex, "g@x.io")] {
        app.create_user(who, &[]).await;
        app.grant(who, "secondary_admin", Some(tenant)).await;
        let lead = spawn_client(&app);
        assert_eq!(lead.login(who).await.status(), 303);
        let html = lead.post_form("/admin/invitations/bulk/preview", &preview(hire)).await;
        let (result, _) = lead.confirm_bulk(&html.text().await.unwrap()).await;
        leads.push((lead, result));
    }
    // A preview nobody confirmed is not an import.
    app.post_form("/admin/invitations/bulk/preview", &preview("maybe@x.io")).await;

    let page = app.get_html("/admin/invitations/bulk").await;
    let row = listed(&page, &admins).expect("the admin's import is listed");
    for cell in ["<td>admin@example.com</td>", "<td>3</td>", "<td>1</td>", "<td>done</td>"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    assert!(row.contains(&format!("href=\"{admins}\"")), "a link to the result");
    assert_eq!(page.matches("data-import=").count(), 3, "project-wide staff see every import");
    assert!(app.get_html(&admins).await.contains("Confirmed by admin@example.com"));

    let (acme_lead, acme_import) = &leads[0];
    let (_, globex_import) = &leads[1];
    let page = acme_lead.get_html("/admin/invitations/bulk").await;
    assert!(listed(&page, acme_import).unwrap().contains("acme-lead@x.io"));
    assert!(listed(&page, globex_import).is_none() && listed(&page, &admins).is_none());
    assert_eq!(acme_lead.get(globex_import).await.status(), 404, "another tenant's import");
    assert_eq!(acme_lead.get(&admins).await.status(), 404, "a project-wide import");
    assert_eq!(acme_lead.get(&format!("{admins}/result.csv")).await.status(), 404);
    assert_eq!(acme_lead.get(acme_import).await.status(), 200);
}

/// POST the CSV form as a browser does: `file` is (file name, bytes), or
/// None when the form has no file part at all.
async fn upload(app: &TestApp, file: Option<(&str, &[u8])>, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", app.csrf().await).text("mode", "csv");
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .unwrap();
        form = form.part("file", part);
    }
    app.client.post(app.url("/admin/invitations/bulk/preview")).multipart(form).send().await.unwrap()
}

/// The opening tag of the element with this id.
fn tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap()]
}

fn is_ticked(html: &str, id: &str) -> bool {
    tag(html, id).contains(" checked")
}

/// The selected option of the select with this id.
fn selected(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let select = &html[at..at + html[at..].find("</select>").unwrap()];
    let option = select.split("<option").find(|o| o.contains(" selected")).expect("a selected option");
    option.split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_upload_error_keeps_every_choice_the_person_made() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let choices = [("lang", "de")]; // and "Send the invitations" unticked
    for file in [&b"email,given_name\n"[..], b"email\nb\xe9a@x.io\n"] {
        let r = upload(&app, Some(("people.csv", file)), &choices).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("There is a problem"));
        assert!(!is_ticked(&html, "send_now_csv"), "the unticked box stays unticked");
        assert_eq!(selected(&html, "lang_csv"), "de");
        assert!(is_ticked(&html, "send_now_list"), "the other form shows its defaults");
    }

    app.role("editor", "project").await;
    let acme = app.tenant("Acme", "acme").await.to_string();
    let list: String = (0..10_001).map(|i| format!("p{i}@x.io\n")).collect();
    let form = [("mode", "list"), ("list", list.as_str()), ("roles", "editor"), ("tenants", &acme), ("lang", "de")];
    let r = app.post_form("/admin/invitations/bulk/preview", &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!(">{list}</textarea>")), "the pasted list is kept");
    assert!(is_ticked(&html, "role_editor") && is_ticked(&html, &format!("tenant_{acme}")));
    assert_eq!(selected(&html, "lang_list"), "de");
    assert!(!is_ticked(&html, "send_now_list"));
}

#[tokio::test]
async fn upload_messages_say_what_is_wrong_with_the_file() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut too_many = String::from("email\n");
    for i in 0..10_001 {
        too_many.push_str(&format!("p{i}@x.io\n"));
    }
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04\x00\x00\x13\x00[Content_Types].xml";
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00\x00\x00\x00\x00\x3E\x00\x03\x00\xFE\xFF";
    // (the uploaded file's name and bytes, if any; the message)
    type Upload<'a> = Option<(&'a str, &'a [u8])>;
    let cases: [(Upload, &str); 6] = [
        (Some(("people.csv", b"email,given_name,family_name\r\n")), "The file has a header row but no people."),
        (Some(("", b"")), "Choose a CSV file."),
        (None, "Choose a CSV file."),
        (Some(("people.xlsx", xlsx)), "This looks like an Excel workbook: save it as CSV UTF-8"),
        (Some(("people.xls", xls)), "This looks like an Excel workbook: save it as CSV UTF-8"),
        (Some(("people.csv", too_many.as_bytes())), "The file has 10,001 rows;"),
    ];
    for (file, message) in cases {
        let r = upload(&app, file, &[("send_now", "on")]).await;
        assert_eq!(r.status(), 422, "{message}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(!html.contains("The file is empty") && !html.contains("not UTF-8"), "{message}");
    }
}

#[tokio::test]
async fn the_confirm_button_says_exactly_what_confirming_will_do() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    app.invite("old@x.io", &[]).await;
    for (list, button) in [
        ("new@x.io", "Confirm: invite 1 person<"),
        ("old@x.io", "Confirm: resend 1 invitation<"),
        ("old@x.io new@x.io other@x.io", "Confirm: invite 2 people and resend 1 invitation<"),
    ] {
        let r = app.post_form("/admin/invitations/bulk/preview", &[("mode", "list"), ("list", list)]).await;
        let html = r.text().await.unwrap();
        assert!(html.contains(button), "{list}: expected {button:?}");
        assert!(!html.contains("invite or resend"));
        if list == "old@x.io" {
            assert_eq!(verdict(&html, "old@x.io"), "will resend (already invited)");
        }
    }
}
