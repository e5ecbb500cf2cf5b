//! A small `multipart/form-data` reader for the one upload form (bulk CSV).
//! The body is already in memory (the CSRF layer reads it), so splitting
//! it on the boundary is all that is needed.

pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// The boundary named in a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn header_param(headers: &str, key: &str) -> Option<String> {
    let disposition = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
    disposition
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix(&format!("{key}=\"")).map(|v| v.trim_end_matches('"').to_string()))
}

pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let delimiter = format!("--{}", boundary(content_type)?);
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, delimiter, 0)? + delimiter.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Some(parts);
        }
        let header_start = pos + 2;
        let header_end = find(body, b"\r\n\r\n", header_start)?;
        let headers = String::from_utf8_lossy(&body[header_start..header_end]).to_string();
        let data_start = header_end + 4;
        let next = find(body, delimiter, data_start)?;
        let data_end = next.checked_sub(2)?;
        parts.push(Part {
            name: header_param(&headers, "name")?,
            filename: header_param(&headers, "filename"),
            data: body.get(data_start..data_end)?.to_vec(),
        });
        pos = next + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\r\na@x.io\r\n\r\n--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf_token");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("p.csv"));
        assert_eq!(parts[1].data, b"email\r\na@x.io\r\n");
        assert!(parse("text/plain", body).is_none());
    }
}
