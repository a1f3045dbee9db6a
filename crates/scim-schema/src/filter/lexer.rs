//! Splits a filter into tokens: words (attribute paths, operators, keywords, numbers,
//! `true` / `false` / `null`), JSON string literals, parentheses and brackets.

use crate::SchemaError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'a> {
    /// A run of `[A-Za-z0-9:._$+-]`.
    Word(&'a str),
    /// A string literal, unescaped.
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token<'a> {
    pub(super) tok: Tok<'a>,
    /// Byte offset where the token starts.
    pub(super) pos: usize,
}

pub(super) fn error(position: usize, message: impl Into<String>) -> SchemaError {
    SchemaError::InvalidFilter {
        position,
        message: message.into(),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'-' | b'$' | b'+')
}

/// Tokenizes `input`; the last token is always [`Tok::End`].
pub(super) fn tokenize(input: &str) -> Result<Vec<Token<'_>>, SchemaError> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let tok = match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                at += 1;
                continue;
            }
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'"' => {
                let (text, end) = string_literal(input, start)?;
                at = end;
                tokens.push(Token {
                    tok: Tok::Str(text),
                    pos: start,
                });
                continue;
            }
            b if is_word_byte(b) => {
                while at < bytes.len() && is_word_byte(bytes[at]) {
                    at += 1;
                }
                tokens.push(Token {
                    tok: Tok::Word(&input[start..at]),
                    pos: start,
                });
                continue;
            }
            _ => {
                let found = input[start..].chars().next().unwrap_or('?');
                return Err(error(start, format!("unexpected character {found:?}")));
            }
        };
        tokens.push(Token { tok, pos: start });
        at += 1;
    }
    tokens.push(Token {
        tok: Tok::End,
        pos: input.len(),
    });
    Ok(tokens)
}

/// Reads the JSON string literal starting at `start` (a `"`); returns its unescaped
/// text and the index after its closing quote.
fn string_literal(input: &str, start: usize) -> Result<(String, usize), SchemaError> {
    let bytes = input.as_bytes();
    let mut at = start + 1;
    loop {
        match bytes.get(at) {
            None => return Err(error(start, "unterminated string")),
            Some(b'\\') => at += 2,
            Some(b'"') => break,
            Some(_) => at += 1,
        }
    }
    let literal = &input[start..=at];
    serde_json::from_str::<String>(literal)
        .map(|text| (text, at + 1))
        .map_err(|e| error(start, format!("invalid string literal: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_words_strings_and_punctuation() {
        let tokens = tokenize(r#"emails[type eq "w\"o\u0072k"] and (x pr)"#).unwrap();
        let toks: Vec<_> = tokens.into_iter().map(|t| t.tok).collect();
        assert_eq!(
            toks,
            [
                Tok::Word("emails"),
                Tok::LBracket,
                Tok::Word("type"),
                Tok::Word("eq"),
                Tok::Str("w\"ork".into()),
                Tok::RBracket,
                Tok::Word("and"),
                Tok::LParen,
                Tok::Word("x"),
                Tok::Word("pr"),
                Tok::RParen,
                Tok::End,
            ]
        );
    }

    #[test]
    fn reports_positions() {
        assert_eq!(
            tokenize("a eq 'x'"),
            Err(error(5, "unexpected character '\\''"))
        );
        assert!(matches!(
            tokenize(r#"a eq "x"#),
            Err(SchemaError::InvalidFilter { position: 5, .. })
        ));
        assert!(matches!(
            tokenize(r#"a eq "\q""#),
            Err(SchemaError::InvalidFilter { position: 5, .. })
        ));
        // A trailing backslash cannot read past the end.
        assert!(tokenize("a eq \"\\").is_err());
    }
}
