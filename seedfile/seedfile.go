package seedfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/proven2pc/proven/sim"
)

// FormatVersion is the format version this package writes and reads.
const FormatVersion = 1

// fileBytesMax bounds what Load reads: a seed file is a few
// hundred bytes, so anything larger is not one.
const fileBytesMax = 1 << 20

// File describes one run exactly: its seed, its scenario, the fault plan
// the run uses, the outcome it is expected to have, and the fingerprint
// observed when it was written.
type File struct {
	Seed uint64
	// Description is one line saying what the run shows.
	Description string
	// Scenario holds every parameter explicitly (no defaults left).
	Scenario Scenario
	// Plan is the concrete fault plan of the run: its families and
	// intensities, as Scenario.Faults drew them for Seed or as a shrinker
	// reduced them. A replay runs this plan rather than drawing one.
	// Invariant: Plan.FaultPhase == Scenario.FaultPhase.
	Plan sim.FaultPlan
	// Expect is the outcome a replay must have.
	Expect Outcome
	// Fingerprint is the run's fingerprint (16 hexadecimal digits), or ""
	// when none was recorded.
	Fingerprint string
}

// Outcome is what a run's verdict is, and for a failing run which failure
// it is: the kind, the first check that said illegal and its first
// anomaly (both empty when the world itself failed, or the check names no
// anomaly). Two runs fail the same way when their outcomes are equal.
type Outcome struct {
	Verdict sim.Verdict
	Failure sim.FailureKind
	Checker string
	Anomaly string
}

func (o Outcome) String() string {
	if o.Verdict == sim.VerdictOK {
		return string(sim.VerdictOK)
	}
	text := fmt.Sprintf("%s (%s", o.Verdict, o.Failure)
	if o.Checker != "" {
		text += " in " + o.Checker
	}
	if o.Anomaly != "" {
		text += ": " + o.Anomaly
	}
	return text + ")"
}

// ErrBadFile reports a seed file that cannot be read as one; the error is
// an *Error naming the file and the field.
var ErrBadFile = errors.New("proven: bad seed file")

// Error says which file and which field of it is wrong.
type Error struct {
	File string
	// Field is the JSON path of the field, e.g. "scenario.clients", or
	// "(file)" for a problem with the whole file.
	Field   string
	Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("proven: seed file %s: field %s: %s", e.File, e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrBadFile) hold.
func (e *Error) Is(target error) bool { return target == ErrBadFile }

// Name is the file name a failing run's seed file gets:
// "<workload>-<seed>.json".
func Name(workload string, seed uint64) string {
	return fmt.Sprintf("%s-%d.json", workload, seed)
}

// ShrunkName is where a shrunk seed file goes beside the original:
// "x.json" becomes "x.shrunk.json" (and "x.shrunk.json" stays itself).
func ShrunkName(path string) string {
	base := strings.TrimSuffix(path, ".json")
	if strings.HasSuffix(base, ".shrunk") {
		return base + ".json"
	}
	return base + ".shrunk.json"
}

// Load reads and checks a seed file.
func Load(path string) (File, error) {
	handle, err := os.Open(path)
	if err != nil {
		return File{}, &Error{File: path, Field: "(file)", Problem: err.Error()}
	}
	defer handle.Close()
	data, err := io.ReadAll(io.LimitReader(handle, fileBytesMax+1))
	if err != nil {
		return File{}, &Error{File: path, Field: "(file)", Problem: err.Error()}
	}
	if len(data) > fileBytesMax {
		return File{}, &Error{File: path, Field: "(file)",
			Problem: fmt.Sprintf("larger than %d bytes", fileBytesMax)}
	}
	return Parse(path, data)
}

// Save writes the file (creating its directory), after checking that it
// would load back.
func Save(path string, file File) error {
	data, err := file.Marshal()
	if err != nil {
		return err
	}
	if _, err := Parse(path, data); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("proven: save seed file: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("proven: save seed file: %w", err)
	}
	return nil
}

// Marshal encodes the file as indented JSON with a fixed key order.
func (f File) Marshal() ([]byte, error) {
	wire, err := toWire(f)
	if err != nil {
		return nil, err
	}
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetIndent("", "  ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(wire); err != nil {
		return nil, fmt.Errorf("proven: encode seed file: %w", err)
	}
	return buffer.Bytes(), nil
}

// Parse decodes and checks a seed file's bytes; name is used in errors.
// Bad input never panics: it returns an *Error.
func Parse(name string, data []byte) (File, error) {
	if bytes.HasPrefix(data, byteOrderMark) {
		return File{}, &Error{File: name, Field: "(file)",
			Problem: "starts with a UTF-8 byte-order mark (bytes EF BB BF): save it as UTF-8 without one"}
	}
	if err := checkFormat(name, data); err != nil {
		return File{}, err
	}
	var wire fileWire
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&wire); err != nil {
		return File{}, decodeError(name, data, err)
	}
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		offset := decoder.InputOffset()
		return File{}, &Error{File: name, Field: "(file)",
			Problem: fmt.Sprintf("trailing data after the JSON object at %s", position(data, offset))}
	}
	if field, offset, found := duplicateKey(data); found {
		return File{}, &Error{File: name, Field: field,
			Problem: fmt.Sprintf("appears twice (again at %s)", position(data, offset))}
	}
	return fromWire(name, wire)
}

// byteOrderMark is the UTF-8 encoding of U+FEFF, which some editors put
// at the start of a file; JSON forbids it.
var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// duplicateKey finds the first key that appears twice in one object of
// a JSON text (encoding/json keeps the last silently): its path, as the
// errors name fields, and the offset where its second occurrence starts.
// Requires: data is one valid JSON value.
func duplicateKey(data []byte) (field string, offset int64, found bool) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) bool
	walk = func(path string) bool {
		token, _ := decoder.Token()
		delimiter, isDelimiter := token.(json.Delim)
		if !isDelimiter {
			return false
		}
		seen := map[string]bool{}
		for index := 0; decoder.More(); index++ {
			child := fmt.Sprintf("%s[%d]", path, index)
			if delimiter == '{' {
				key, _ := decoder.Token()
				child = strings.TrimPrefix(path+"."+key.(string), ".")
				if seen[key.(string)] {
					end := decoder.InputOffset() // just after the key's closing quote
					field, offset = child, int64(bytes.LastIndexByte(data[:end-1], '"'))
					return true
				}
				seen[key.(string)] = true
			}
			if walk(child) {
				return true
			}
		}
		_, _ = decoder.Token() // the closing delimiter
		return false
	}
	found = walk("")
	return field, offset, found
}

// decodeError turns a JSON decoding error into one naming the field.
func decodeError(name string, data []byte, err error) error {
	var syntaxError *json.SyntaxError
	var typeError *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxError):
		return &Error{File: name, Field: "(file)",
			Problem: fmt.Sprintf("not JSON at %s: %v", position(data, syntaxError.Offset), syntaxError)}
	case errors.As(err, &typeError):
		field := typeError.Field
		if field == "" {
			return &Error{File: name, Field: "(file)", Problem: fmt.Sprintf("want a JSON object, got a JSON %s", typeError.Value)}
		}
		return &Error{File: name, Field: field,
			Problem: fmt.Sprintf("want a %s, got a JSON %s", typeError.Type, typeError.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{File: name, Field: "(file)", Problem: "empty or truncated JSON"}
	}
	text := err.Error()
	if unknown, found := strings.CutPrefix(text, "json: unknown field "); found {
		return &Error{File: name, Field: strings.Trim(unknown, `"`), Problem: "unknown field"}
	}
	return &Error{File: name, Field: "(file)", Problem: text}
}

// position renders a byte offset as line:column (1-based).
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d column %d", line, column)
}
