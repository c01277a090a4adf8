//! Hostile values and hostile answers: escaping round-trips exactly; DTDs, entity bombs,
//! external entities and broken XML are refused without expanding anything; a
//! `status="fail"` answer is an error whatever its HTTP status; plain HTTP is refused.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};

use crmkit_acuinvoice::Client;
use crmkit_acuinvoice::types::ContactCreateInput;
use crmkit_acuinvoice::xml::{self, MAX_DEPTH, ReadError};
use crmkit_runtime::Error;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const HOSTILE: &str = "Zoë <b>&amp; ]]> \"quoted\" 'x' 日本語";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(crmkit_runtime::Basic::api_key("KEY"))
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

fn xml_answer(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/xml")
}

/// A server that answers `contact.create` with id 7 and keeps the `<contact>` it was
/// sent, then answers `contact.get` with that same `<contact>`, byte for byte.
async fn echo_server() -> MockServer {
    let server = MockServer::start().await;
    let kept: Arc<Mutex<String>> = Arc::default();
    let store = kept.clone();
    Mock::given(body_string_contains("method=\"contact.create\""))
        .respond_with(move |req: &Request| {
            let body = String::from_utf8(req.body.clone()).unwrap();
            let start = body.find("<contact>").unwrap() + "<contact>".len();
            let end = body.find("</contact>").unwrap();
            *store.lock().unwrap() = body[start..end].to_string();
            xml_answer(
                200,
                r#"<response status="ok"><contact_id>7</contact_id></response>"#,
            )
        })
        .mount(&server)
        .await;
    Mock::given(body_string_contains("method=\"contact.get\""))
        .respond_with(move |_: &Request| {
            let contact = kept.lock().unwrap().clone();
            xml_answer(
                200,
                &format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><response status="ok"><contact><contact_id>7</contact_id>{contact}</contact></response>"#
                ),
            )
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn hostile_values_round_trip_exactly() {
    let server = echo_server().await;
    let client = client(&server);
    let input = ContactCreateInput {
        client_id: NonZeroU64::new(42).unwrap(),
        first_name: HOSTILE.into(),
        last_name: format!("  {HOSTILE}  "),
        email: "a&b@<example>.com".into(),
        phone: Some("line one\r\nline two\ttabbed\rcr".into()),
        mobile_phone: Some(String::new()),
    };
    let id = client.create_contact(&input).await.unwrap();
    let back = client.get_contact(id).await.unwrap();
    assert_eq!(back.contact_id.get(), 7);
    assert_eq!(back.client_id, Some(42));
    assert_eq!(back.first_name.as_deref(), Some(input.first_name.as_str()));
    assert_eq!(back.last_name.as_deref(), Some(input.last_name.as_str()));
    assert_eq!(back.email.as_deref(), Some(input.email.as_str()));
    assert_eq!(back.phone, input.phone);
    assert_eq!(back.mobile_phone, input.mobile_phone);
    assert!(back.extra.is_empty(), "{:?}", back.extra);

    // On the wire: markup escaped, `]]>` defused, non-ASCII as UTF-8 (not references).
    let sent = &server.received_requests().await.unwrap()[0];
    let sent = String::from_utf8(sent.body.clone()).unwrap();
    assert!(
        sent.contains(
            "<first_name>Zoë &lt;b&gt;&amp;amp; ]]&gt; &quot;quoted&quot; &apos;x&apos; 日本語</first_name>"
        ),
        "{sent}"
    );
    assert!(!sent.contains("]]>"), "{sent}");
    assert!(sent.contains("&#xD;"), "a carriage return survives: {sent}");
}

/// The answers the reader must refuse under HTTP 200, with a word the refusal must name.
fn hostile_answers() -> Vec<(&'static str, String, &'static str)> {
    let mut bomb = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    bomb.push_str(r#"<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">"#);
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        bomb.push_str(&format!(r#"<!ENTITY lol{i} "{prev}">"#));
    }
    bomb.push_str(r#"]><response status="ok"><contact><contact_id>1</contact_id><first_name>&lol9;</first_name></contact></response>"#);
    vec![
        (
            "doctype",
            r#"<?xml version="1.0"?><!DOCTYPE response><response status="ok"><contact><contact_id>1</contact_id></contact></response>"#.into(),
            "DOCTYPE",
        ),
        (
            "internal entity",
            r#"<?xml version="1.0"?><!DOCTYPE response [<!ENTITY name "EXPANDED">]><response status="ok"><contact><contact_id>1</contact_id><first_name>&name;</first_name></contact></response>"#.into(),
            "DOCTYPE",
        ),
        ("billion laughs", bomb, "DOCTYPE"),
        (
            "external entity",
            r#"<?xml version="1.0"?><!DOCTYPE response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><response status="ok"><contact><contact_id>1</contact_id><first_name>&xxe;</first_name></contact></response>"#.into(),
            "DOCTYPE",
        ),
        (
            "undeclared entity",
            r#"<response status="ok"><contact><contact_id>1</contact_id><first_name>&xxe;</first_name></contact></response>"#.into(),
            "&xxe;",
        ),
        (
            "entity in an attribute",
            r#"<response status="&ok;"><contact><contact_id>1</contact_id></contact></response>"#.into(),
            "&ok;",
        ),
        (
            "a fail status behind a DOCTYPE",
            r#"<!DOCTYPE response><response status="fail"><error>no</error></response>"#.into(),
            "DOCTYPE",
        ),
        (
            "mismatched tags",
            r#"<response status="ok"><contact><contact_id>1</contact_id></response></contact>"#.into(),
            "not well-formed",
        ),
        (
            "unclosed tag",
            r#"<response status="ok"><contact><contact_id>1</contact_id>"#.into(),
            "not closed",
        ),
    ]
}

#[tokio::test]
async fn hostile_answers_are_refused_unexpanded_as_decode_errors() {
    for (case, body, says) in hostile_answers() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/xml-in"))
            .respond_with(xml_answer(200, &body))
            .mount(&server)
            .await;
        // The reader stops at the DOCTYPE: nothing is declared, expanded or fetched.
        let err = client(&server)
            .get_contact(std::num::NonZeroU64::new(1).unwrap())
            .await
            .unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{case}: expected a Decode error, got {err:?}");
        };
        assert_eq!(decode.vendor, "acuinvoice", "{case}");
        assert_eq!(decode.operation, "contact.get", "{case}");
        assert_eq!(decode.status, Some(reqwest::StatusCode::OK), "{case}");
        assert_eq!(decode.body, body.as_bytes(), "{case}: the raw body is kept");
        assert!(
            decode.reason.contains(says),
            "{case}: the reason should name {says}: {}",
            decode.reason
        );
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("lollollol") && !shown.contains("root:x:0:0"),
            "{case}: something was expanded: {shown}"
        );
        assert!(
            !decode.reason.contains("EXPANDED"),
            "{case}: {}",
            decode.reason
        );
    }
}

#[tokio::test]
async fn a_hostile_error_body_keeps_status_and_bytes_and_decodes_nothing() {
    let server = MockServer::start().await;
    let body = r#"<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><response status="fail"><error>&e;</error></response>"#;
    Mock::given(method("POST"))
        .respond_with(xml_answer(400, body))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_contact(std::num::NonZeroU64::new(1).unwrap())
        .await
        .unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 400);
    assert_eq!(api.message, None, "nothing is read from a refused body");
    assert_eq!(api.body, body.as_bytes());
}

/// A document the reader must refuse: name, bytes, and the refusal expected.
type Refused = (&'static str, Vec<u8>, fn(&ReadError) -> bool);

#[test]
fn the_reader_refuses_what_it_cannot_read_safely() {
    let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let cases: Vec<Refused> = vec![
        ("latin-1 bytes", b"<r>Zo\xEB</r>".to_vec(), |e| {
            matches!(e, ReadError::NotUtf8)
        }),
        (
            "declared latin-1",
            br#"<?xml version="1.0" encoding="ISO-8859-1"?><r/>"#.to_vec(),
            |e| matches!(e, ReadError::Encoding(enc) if enc == "ISO-8859-1"),
        ),
        ("utf-16", b"\xFF\xFE<\0r\0/\0>\0".to_vec(), |e| {
            matches!(e, ReadError::NotUtf8)
        }),
        (
            "one level too deep",
            deep(MAX_DEPTH + 1).into_bytes(),
            |e| matches!(e, ReadError::TooDeep),
        ),
        ("very deep", deep(100_000).into_bytes(), |e| {
            matches!(e, ReadError::TooDeep)
        }),
        ("two roots", b"<r/><r/>".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        ("text outside the root", b"<r/>junk".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        ("mixed content", b"<r>a<b/>c</r>".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        ("no root", b"<?xml version=\"1.0\"?>  ".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        ("empty", b"".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        (
            "late declaration",
            b"<r/><?xml version=\"1.0\"?>".to_vec(),
            |e| matches!(e, ReadError::Malformed(_)),
        ),
        (
            "control character reference",
            b"<r>&#1;</r>".to_vec(),
            |e| matches!(e, ReadError::InvalidCharacter('\u{1}')),
        ),
        ("NUL reference", b"<r>&#0;</r>".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_) | ReadError::InvalidCharacter(_))
        }),
        ("raw control character", b"<r>\x1b</r>".to_vec(), |e| {
            matches!(e, ReadError::InvalidCharacter('\u{1b}'))
        }),
        ("dangling ampersand", b"<r>a & b</r>".to_vec(), |e| {
            matches!(e, ReadError::Malformed(_))
        }),
        (
            "html entity",
            b"<r>&nbsp;</r>".to_vec(),
            |e| matches!(e, ReadError::UnknownEntity(n) if n == "nbsp"),
        ),
        (
            "duplicate attribute",
            br#"<r a="1" a="2"/>"#.to_vec(),
            |e| matches!(e, ReadError::Malformed(_)),
        ),
    ];
    for (case, body, expected) in cases {
        match xml::read(&body) {
            Err(e) if expected(&e) => {}
            other => panic!("{case}: unexpected {other:?}"),
        }
    }
    // Just inside the limit is fine.
    assert!(xml::read(deep(MAX_DEPTH).as_bytes()).is_ok());
}

#[test]
fn the_reader_accepts_the_safe_constructs() {
    let doc = xml::read(
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- note --><?xml-stylesheet href=\"x.xsl\"?>\n<response status=\"ok\"><a>&lt;&gt;&amp;&apos;&quot;</a><b>&#233;&#x65E5;</b><c><![CDATA[<raw> & ]]></c><d> kept \n</d><e/></response>\n"
            .as_bytes(),
    )
    .unwrap();
    let text = |n: &str| doc.child(n).unwrap().text.clone();
    assert_eq!(doc.attribute("status"), Some("ok"));
    assert_eq!(text("a"), "<>&'\"");
    assert_eq!(text("b"), "é日");
    assert_eq!(text("c"), "<raw> & ");
    assert_eq!(text("d"), " kept \n");
    assert_eq!(text("e"), "");
}

#[tokio::test]
async fn a_fail_status_is_an_api_error_under_200_and_under_4xx() {
    let fail = r#"<?xml version="1.0" encoding="UTF-8"?>
<response status="fail">
  <error>Contact not found.</error>
</response>"#;
    for status in [200, 404, 422] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(xml_answer(status, fail))
            .mount(&server)
            .await;
        let client = client(&server);
        let err = client
            .get_contact(std::num::NonZeroU64::new(99).unwrap())
            .await
            .unwrap_err();
        let api = err
            .api()
            .unwrap_or_else(|| panic!("HTTP {status}: {err:?}"));
        assert_eq!(api.status, status);
        assert_eq!(api.vendor, "acuinvoice");
        assert_eq!(api.operation, "contact.get");
        assert_eq!(api.message.as_deref(), Some("Contact not found."));
        assert_eq!(api.code, None);
        assert!(err.to_string().contains("Contact not found."), "{err}");
        // Also for a method whose answer is otherwise empty.
        assert!(
            client
                .delete_contact(std::num::NonZeroU64::new(99).unwrap())
                .await
                .unwrap_err()
                .api()
                .is_some()
        );
    }
}

#[tokio::test]
async fn a_fail_status_keeps_an_error_code_and_other_details() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(xml_answer(
            200,
            r#"<response status="fail"><error code="40">Invalid client_id</error><field>client_id</field></response>"#,
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .list_contacts(&Default::default())
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("40"));
    assert_eq!(api.message.as_deref(), Some("Invalid client_id"));
    assert_eq!(api.details.as_ref().unwrap()["field"], "client_id");
}

#[tokio::test]
async fn an_answer_that_is_neither_ok_nor_fail_is_never_a_success() {
    for body in [
        r#"<response status="pending"/>"#,
        r#"<response/>"#,
        r#"<request status="ok"/>"#,
        r#"{"status": "ok"}"#,
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(xml_answer(200, body))
            .mount(&server)
            .await;
        let err = client(&server)
            .delete_contact(std::num::NonZeroU64::new(1).unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
    }
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let build = |url: &str, allow: bool| {
        Client::builder()
            .base_url(url)
            .credentials(crmkit_runtime::Basic::api_key("KEY"))
            .allow_insecure_http(allow)
            .build()
    };
    let err = build("http://acme.acuinvoice.com", false).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("not HTTPS")),
        "{err:?}"
    );
    assert!(build("http://127.0.0.1:1", true).is_ok());
    assert!(build("https://acme.acuinvoice.com", false).is_ok());
    assert!(matches!(
        build("ftp://acme.acuinvoice.com", true),
        Err(Error::Config(_))
    ));
}

/// Large answers decode completely (their speed is a benchmark matter, not a test's).
#[test]
fn a_huge_flat_answer_is_read_whole() {
    let n = 200_000;
    let body = format!(
        r#"<response status="ok">{}</response>"#,
        "<contact><contact_id>1</contact_id></contact>".repeat(n)
    );
    let root = xml::read(body.as_bytes()).unwrap();
    let json = root.to_json(&["contact"]);
    assert_eq!(json["contact"].as_array().unwrap().len(), n);
    let flat = xml::read(format!("<r>{}</r>", "<a/>".repeat(n)).as_bytes()).unwrap();
    assert_eq!(flat.to_json(&[])["a"].as_array().unwrap().len(), n);
}
