//! An operation the crate has never seen, added to a copy of the spec by a downstream crate,
//! gets the whole pipeline with no change to `src/`: every header, one `MS-RequestId` across a
//! retried 503, and this crate's `Error` on a 404.
//!
//! The test writes that downstream crate into a temporary directory (its spec named by
//! `PARTNER_CENTER_CARTS_SPEC` in its `.cargo/config.toml`, as the README says), builds it with
//! cargo against this crate by path, and runs it against a scripted loopback server. The first
//! build compiles the dependencies into `downstream` beside the tests' own build, a minute or
//! two.

mod support;

use std::path::Path;
use std::process::Command;

use support::scripted::{Answer, Scripted};
use support::{CART, CUSTOMER};

/// The operation and schema the downstream crate adds to its copy of the spec.
const NEW_OPERATION: &str = r#"  /v1/customers/{customer-id}/carts/{cart-id}/summary:
    parameters:
      - $ref: '#/components/parameters/CustomerId'
      - $ref: '#/components/parameters/CartId'
    get:
      operationId: getCartSummary
      summary: How many line items, and how many of everything, a cart holds
      parameters: *commonHeaders
      responses:
        '200':
          description: The summary.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CartSummary'
        4XX:
          $ref: '#/components/responses/OtherClientError'
        5XX:
          $ref: '#/components/responses/OtherServerError'
"#;

const NEW_SCHEMA: &str = r#"    CartSummary:
      type: object
      description: A cart in two numbers.
      additionalProperties: {}
      properties:
        lineItemCount:
          type: integer
          format: int32
        totalQuantity:
          type: integer
          format: int32
"#;

/// Writes the downstream crate: its spec (this crate's, plus the new operation), its
/// `.cargo/config.toml` naming it, its manifest and its `main.rs`.
fn write_downstream(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(root.join("openapi/partner-center-carts.yaml")).unwrap();
    let spec = spec
        .replacen(
            "\ncomponents:\n",
            &format!("\n{NEW_OPERATION}components:\n"),
            1,
        )
        .replacen("\n  schemas:\n", &format!("\n  schemas:\n{NEW_SCHEMA}"), 1);
    assert!(spec.contains("getCartSummary") && spec.contains("    CartSummary:"));
    for folder in ["spec", ".cargo", "src"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    std::fs::write(dir.join("spec/partner-center-carts.yaml"), spec).unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[env]\nPARTNER_CENTER_CARTS_SPEC = { value = \"spec/partner-center-carts.yaml\", relative = true }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\npartner-center-carts = {{ path = {root:?} }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    // The same versions this crate is tested with.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::copy(
        root.join("tests/adding_an_operation/main.rs.txt"),
        dir.join("src/main.rs"),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_added_to_a_copy_of_the_spec_gets_the_whole_pipeline() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adding-an-operation");
    let _ = std::fs::remove_dir_all(&dir);
    write_downstream(&dir);

    let server = Scripted::start().await;
    server
        .then(Answer::json(
            503,
            serde_json::json!({"code": 0, "description": "busy"}),
        ))
        .then(Answer::json(
            200,
            serde_json::json!({"lineItemCount": 2, "totalQuantity": 5}),
        ))
        .then(Answer::json(
            404,
            serde_json::json!({"code": 800008, "description": "Unable to retrieve cart ID."}),
        ));

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // In the target directory the tests are built in, wherever CARGO_TARGET_DIR puts it (its
    // `tmp`'s parent), and never in the source tree.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is in the target directory")
        .join("downstream");
    let url = server.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        // Run from the crate's folder, as its developers do: that is where cargo finds its
        // `.cargo/config.toml`.
        Command::new(cargo)
            .current_dir(&dir)
            .args(["run", "--quiet", "--"])
            .arg(url)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("PARTNER_CENTER_CARTS_SPEC")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the downstream crate failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Its first call: a 503, retried, then the summary; its second: a 404, as this crate's Error.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        ["ok 2 5", "err getCartSummary 404 800008 1 true"],
        "{stdout}"
    );
    let received = server.received();
    assert_eq!(received.len(), 3);
    let path = format!("/v1/customers/{CUSTOMER}/carts/{CART}/summary");
    for request in &received {
        assert_eq!(request.path, path);
        for header in [
            "authorization",
            "accept",
            "ms-requestid",
            "ms-correlationid",
            "x-locale",
            "ms-contract-version",
            "ms-partnercenter-client",
        ] {
            assert!(request.header(header).is_some(), "no {header}");
        }
        assert_eq!(request.header("api-version"), None);
    }
    let ids: Vec<_> = received.iter().map(|r| r.header("ms-requestid")).collect();
    assert_eq!(ids[0], ids[1], "one MS-RequestId across the retried 503");
    assert_ne!(ids[1], ids[2], "a new one for the next operation");
}
