//! A MIME part tree and its serialisation (CRLF line ends, 76-character base64 and
//! quoted-printable lines, every multipart closed).

use super::encode::{base64_lines, crlf_lines, list_header, quoted_printable, Charset};

/// Content-Transfer-Encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cte {
    SevenBit,
    EightBit,
    QuotedPrintable,
    Base64,
}

impl Cte {
    fn name(self) -> &'static str {
        match self {
            Cte::SevenBit => "7bit",
            Cte::EightBit => "8bit",
            Cte::QuotedPrintable => "quoted-printable",
            Cte::Base64 => "base64",
        }
    }
}

/// A MIME entity.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// Text in `charset`; `content_type` holds the type and all its parameters.
    Text {
        content_type: Vec<String>,
        charset: Charset,
        cte: Cte,
        text: String,
        disposition: Option<Vec<String>>,
    },
    /// Base64-encoded bytes.
    Binary {
        content_type: Vec<String>,
        disposition: Vec<String>,
        content_id: Option<String>,
        data: Vec<u8>,
    },
    /// `multipart/<subtype>`.
    Multi {
        subtype: &'static str,
        boundary: String,
        preamble: bool,
        parts: Vec<Part>,
    },
}

/// Writes the part's headers, the blank line and its encoded body (ending with CRLF).
pub(crate) fn write_part(part: &Part, out: &mut Vec<u8>) {
    match part {
        Part::Text {
            content_type,
            charset,
            cte,
            text,
            disposition,
        } => {
            list_header(out, "Content-Type", content_type, ';');
            header(out, "Content-Transfer-Encoding", cte.name());
            if let Some(d) = disposition {
                list_header(out, "Content-Disposition", d, ';');
            }
            out.extend_from_slice(b"\r\n");
            let bytes = charset.bytes(text);
            match cte {
                Cte::QuotedPrintable => quoted_printable(&bytes, out),
                Cte::SevenBit | Cte::EightBit => crlf_lines(&bytes, out),
                Cte::Base64 => {
                    let mut crlf = Vec::with_capacity(bytes.len() + bytes.len() / 40);
                    crlf_lines(&bytes, &mut crlf);
                    base64_lines(&crlf, out);
                }
            }
        }
        Part::Binary {
            content_type,
            disposition,
            content_id,
            data,
        } => {
            list_header(out, "Content-Type", content_type, ';');
            if let Some(id) = content_id {
                header(out, "Content-ID", id);
            }
            list_header(out, "Content-Disposition", disposition, ';');
            header(out, "Content-Transfer-Encoding", "base64");
            out.extend_from_slice(b"\r\n");
            base64_lines(data, out);
        }
        Part::Multi {
            subtype,
            boundary,
            preamble,
            parts,
        } => {
            let content_type = [format!("multipart/{subtype}"), format!("boundary=\"{boundary}\"")];
            list_header(out, "Content-Type", &content_type, ';');
            out.extend_from_slice(b"\r\n");
            if *preamble {
                out.extend_from_slice(b"This is a multi-part message in MIME format.\r\n");
            }
            for p in parts {
                out.extend_from_slice(b"--");
                out.extend_from_slice(boundary.as_bytes());
                out.extend_from_slice(b"\r\n");
                write_part(p, out);
            }
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"--\r\n");
        }
    }
}

/// Appends `Name: value` + CRLF (value already ASCII and short).
pub(crate) fn header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}
