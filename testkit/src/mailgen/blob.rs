//! Attachment bytes that look like their type (magic numbers, a PDF skeleton, a ZIP container)
//! around random, incompressible content — like the compressed data real files carry.

use super::rng::Rng;
use super::words::BlobKind;

impl BlobKind {
    pub(crate) fn mime_type(self) -> &'static str {
        match self {
            BlobKind::Pdf => "application/pdf",
            BlobKind::Jpeg => "image/jpeg",
            BlobKind::Png => "image/png",
            BlobKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            BlobKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub(crate) fn is_image(self) -> bool {
        matches!(self, BlobKind::Jpeg | BlobKind::Png)
    }
}

const PDF_HEAD: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n\
4 0 obj\n<< /Filter /FlateDecode >>\nstream\n";
const PDF_TAIL: &[u8] = b"\nendstream\nendobj\ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n";
const JPEG_HEAD: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00";
const JPEG_TAIL: &[u8] = b"\xFF\xD9";
const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR";
const PNG_TAIL: &[u8] = b"\x00\x00\x00\x00IEND\xAE\x42\x60\x82";
const ZIP_HEAD: &[u8] = b"PK\x03\x04\x14\x00\x06\x00\x08\x00";
const ZIP_TAIL: &[u8] = b"PK\x05\x06\x00\x00\x00\x00\x0B\x00\x0B\x00";

/// About `size` bytes of a file of the given kind.
pub(crate) fn blob(rng: &mut Rng, kind: BlobKind, size: usize) -> Vec<u8> {
    let (head, tail): (&[u8], &[u8]) = match kind {
        BlobKind::Pdf => (PDF_HEAD, PDF_TAIL),
        BlobKind::Jpeg => (JPEG_HEAD, JPEG_TAIL),
        BlobKind::Png => (PNG_HEAD, PNG_TAIL),
        BlobKind::Docx | BlobKind::Xlsx => (ZIP_HEAD, ZIP_TAIL),
    };
    let mut data = Vec::with_capacity(size + head.len() + tail.len());
    data.extend_from_slice(head);
    if kind == BlobKind::Png {
        // IHDR: width, height, 8-bit RGB, then a CRC-sized filler and the IDAT chunk header.
        data.extend_from_slice(&(rng.range(200, 1600) as u32).to_be_bytes());
        data.extend_from_slice(&(rng.range(200, 1200) as u32).to_be_bytes());
        data.extend_from_slice(b"\x08\x02\x00\x00\x00");
        rng.fill(&mut data, 4);
        data.extend_from_slice(&(size as u32).to_be_bytes());
        data.extend_from_slice(b"IDAT");
    }
    let filler = size.saturating_sub(data.len() + tail.len());
    rng.fill(&mut data, filler);
    data.extend_from_slice(tail);
    data
}
