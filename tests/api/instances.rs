//! Several instances on one database, as behind a load balancer.

use crate::helpers::{PASSWORD, spawn_instances};
use usher::service::accounts;

#[tokio::test]
async fn instances_started_together_accept_each_others_sessions_and_setup_links() {
    let apps = spawn_instances(3).await;

    // Each instance prints a setup link; every one of them works until the
    // first admin exists.
    let mut paths = Vec::new();
    for app in &apps {
        let link = accounts::setup_link_if_needed(&app.state).await.unwrap().expect("no admin yet");
        paths.push(link.trim_start_matches(&app.address).to_string());
    }
    for (app, path) in apps.iter().zip(&paths) {
        assert_eq!(app.get(path).await.status(), 200, "the link printed by {} works", app.address);
    }
    let fields =
        [("email", "root@example.com"), ("name", "Root"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    assert_eq!(apps[1].post_form(&paths[1], &fields).await.status(), 303);
    for (app, path) in apps.iter().zip(&paths) {
        assert_eq!(app.get(path).await.status(), 410, "once an admin exists, every setup link is dead");
    }

    // Signed in on one instance, the person is signed in on all of them
    // (cookies are per host, not per port, so one browser visits all three).
    assert_eq!(apps[0].login("root@example.com").await.status(), 303);
    for app in &apps {
        let r = apps[0].client.get(format!("{}/admin/users", app.address)).send().await.unwrap();
        assert_eq!(r.status(), 200, "the session made on one instance works on {}", app.address);
    }
}
