//! Conformance vectors in the style of RFC 4475: each `torture_*` message in
//! the fuzz seed corpus (cloud/fuzz/corpus/sip_message, so the fuzzer
//! starts from them too) with the answer RFC 3261 asks for. Driven through
//! the same harness as the fuzz target; every answer must also re-parse.

use std::path::Path;

use crate::harness;

/// What a vector must be answered: a status (`None`: silence), and text
/// the answer must contain.
struct Expect {
    name: &'static str,
    status: Option<u16>,
    contains: &'static [&'static str],
}

const VECTORS: &[Expect] = &[
    // §7.3.1: whitespace between a header's name and its colon is allowed.
    Expect {
        name: "torture_space_before_colon",
        status: Some(200),
        contains: &["Call-ID: torture-2\r\n", "CSeq: 1 OPTIONS\r\n"],
    },
    // §7.3.1: a header may continue on lines that start with SP or HTAB;
    // the folded Contact list binds both contacts.
    Expect {
        name: "torture_folded_register",
        status: Some(200),
        contains: &[
            "Contact: <sip:100001@10.0.0.1:5070>;expires=600\r\n",
            "Contact: <sip:100001@10.0.0.2:5070>;expires=600\r\n",
            "branch=z9hG4bK-torture-3",
            "CSeq: 1 REGISTER\r\n",
        ],
    },
    // §8.1.1: From, To, Call-ID and CSeq are mandatory; with a Via to
    // answer along, the sender is told what it left out.
    Expect {
        name: "torture_missing_from",
        status: Some(400),
        contains: &["SIP/2.0 400 Missing From\r\n"],
    },
    Expect {
        name: "torture_missing_to",
        status: Some(400),
        contains: &["SIP/2.0 400 Missing To\r\n"],
    },
    Expect {
        name: "torture_missing_call_id",
        status: Some(400),
        contains: &["SIP/2.0 400 Missing Call-ID\r\n"],
    },
    Expect {
        name: "torture_missing_cseq",
        status: Some(400),
        contains: &["SIP/2.0 400 Missing CSeq\r\n"],
    },
    // No Via: there is nowhere to answer.
    Expect {
        name: "torture_missing_via",
        status: None,
        contains: &[],
    },
    // §21.5.2: a method the server does not recognise is 501 (405 is for
    // one it recognises but does not allow); Allow lists what it serves.
    Expect {
        name: "torture_unknown_method",
        status: Some(501),
        contains: &["Allow: REGISTER, OPTIONS\r\n"],
    },
    // §7.1: methods are case-sensitive, so `options` is not OPTIONS.
    Expect {
        name: "torture_lowercase_method",
        status: Some(501),
        contains: &["CSeq: 1 options\r\n"],
    },
    // §8.2.1: recognised, not served here.
    Expect {
        name: "torture_message_method",
        status: Some(405),
        contains: &["Allow: REGISTER, OPTIONS\r\n"],
    },
    // §8.2.2.1: a Request-URI scheme the server does not serve.
    Expect {
        name: "torture_http_uri",
        status: Some(416),
        contains: &["SIP/2.0 416 Unsupported URI Scheme\r\n"],
    },
    Expect {
        name: "torture_tel_uri",
        status: Some(416),
        contains: &[],
    },
    // §25.1: a URI has no control characters.
    Expect {
        name: "torture_nul_in_uri",
        status: Some(400),
        contains: &["Call-ID: torture-1\r\n"],
    },
];

fn vector(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/sip_message")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn torture_vectors_get_the_answers_rfc_3261_asks_for() {
    for expect in VECTORS {
        let data = vector(expect.name);
        let out = harness::run(&data);
        let answer = out[0]
            .1
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let status = answer.as_ref().map(|a| a[8..11].parse::<u16>().unwrap());
        assert_eq!(
            status,
            expect.status,
            "{}: answered {answer:?}\n  input: b\"{}\"",
            expect.name,
            harness::escape(&data)
        );
        for text in expect.contains {
            let answer = answer.as_deref().unwrap_or_default();
            assert!(
                answer.contains(text),
                "{}: no {text:?} in\n{answer}",
                expect.name
            );
        }
    }
}

/// Every vector in the corpus is listed above, so none goes unchecked.
#[test]
fn every_torture_vector_has_an_expectation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/sip_message");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("torture_") {
            assert!(
                VECTORS.iter().any(|v| v.name == name),
                "{name} has no expected answer"
            );
        }
    }
}
