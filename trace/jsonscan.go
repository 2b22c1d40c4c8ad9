package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// The JSON formats read a few members of each line's object. Users name their own access-log
// members, so the names are not known when compiling; decoding every line into a map would
// allocate for every member. members walks the top-level object of a line json.Valid has
// accepted, handing each member's name and raw value to fn without allocating.

var errNotObject = errors.New("not a JSON object")

// members calls fn with each top-level member of the JSON object obj: its name (unescaped)
// and its raw value. obj must be valid JSON (json.Valid); anything but an object is an error.
func members(obj []byte, fn func(name, val []byte)) error {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return errNotObject
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
		end := skipValue(obj, i) // the name, a string
		name := obj[i:end]
		i = skipSpace(obj, end)
		i = skipSpace(obj, i+1) // the colon
		end = skipValue(obj, i)
		fn(unquote(name), obj[i:end])
		i = end
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// skipString returns the end of the string starting at the quote b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// unquote returns the text of a raw JSON value: a string's characters (unescaped), a number
// or literal as written, and nil for null.
func unquote(raw []byte) []byte {
	if len(raw) == 0 || raw[0] != '"' {
		if string(raw) == "null" {
			return nil
		}
		return raw
	}
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s
	}
	// Escapes to undo, or bytes that are not UTF-8, which encoding/json replaces with U+FFFD.
	var out string
	if json.Unmarshal(raw, &out) != nil {
		return s
	}
	return []byte(out)
}
