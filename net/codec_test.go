package net

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// MsgPing travels as JSON: it has no binary methods.
type MsgPing struct {
	From    uint32
	Seq     uint64
	Note    string
	Weight  float64
	Tags    map[string]int64
	Payload []byte
}

// MsgPrepare travels on the binary fast path (pointer receivers).
type MsgPrepare struct {
	TransactionID uint64
	Coordinator   uint32
	DeadlineNanos int64
	Participants  []uint32
	Key           string
}

// msgPrepareJSON has MsgPrepare's fields but not its methods: the JSON
// baseline for the benchmark.
type msgPrepareJSON MsgPrepare

// MsgVote travels on the binary fast path with a value-receiver AppendBinary.
type MsgVote struct {
	TransactionID uint64
	Yes           bool
}

func (m *MsgPrepare) AppendBinary(dst []byte) ([]byte, error) {
	dst = binary.AppendUvarint(dst, m.TransactionID)
	dst = binary.AppendUvarint(dst, uint64(m.Coordinator))
	dst = binary.AppendVarint(dst, m.DeadlineNanos)
	dst = binary.AppendUvarint(dst, uint64(len(m.Participants)))
	for _, participant := range m.Participants {
		dst = binary.AppendUvarint(dst, uint64(participant))
	}
	dst = binary.AppendUvarint(dst, uint64(len(m.Key)))
	return append(dst, m.Key...), nil
}

func (m *MsgPrepare) UnmarshalBinary(data []byte) error {
	r := byteReader{data: data}
	m.TransactionID = r.uvarint()
	m.Coordinator = r.uint32()
	m.DeadlineNanos = r.varint()
	count := r.uvarint()
	if count > uint64(len(r.data)) {
		return fmt.Errorf("participant count %d exceeds remaining %d bytes", count, len(r.data))
	}
	m.Participants = nil
	if count > 0 {
		m.Participants = make([]uint32, 0, count)
	}
	for range count {
		m.Participants = append(m.Participants, r.uint32())
	}
	m.Key = string(r.bytes(r.uvarint()))
	return r.finish()
}

func (m MsgVote) AppendBinary(dst []byte) ([]byte, error) {
	dst = binary.AppendUvarint(dst, m.TransactionID)
	if m.Yes {
		return append(dst, 1), nil
	}
	return append(dst, 0), nil
}

func (m *MsgVote) UnmarshalBinary(data []byte) error {
	r := byteReader{data: data}
	m.TransactionID = r.uvarint()
	vote := r.bytes(1)
	if r.err == nil && vote[0] > 1 {
		return fmt.Errorf("vote byte %d is not 0 or 1", vote[0])
	}
	m.Yes = r.err == nil && vote[0] == 1
	return r.finish()
}

// byteReader reads varints and byte runs, remembering the first error.
type byteReader struct {
	data []byte
	err  error
}

func (r *byteReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	value, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.err = errors.New("bad uvarint")
		return 0
	}
	r.data = r.data[n:]
	return value
}

func (r *byteReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	value, n := binary.Varint(r.data)
	if n <= 0 {
		r.err = errors.New("bad varint")
		return 0
	}
	r.data = r.data[n:]
	return value
}

func (r *byteReader) uint32() uint32 {
	value := r.uvarint()
	if value > math.MaxUint32 && r.err == nil {
		r.err = fmt.Errorf("%d overflows uint32", value)
	}
	return uint32(value)
}

func (r *byteReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.data)) {
		r.err = fmt.Errorf("need %d bytes, have %d", n, len(r.data))
		return nil
	}
	run := r.data[:n]
	r.data = r.data[n:]
	return run
}

func (r *byteReader) finish() error {
	if r.err == nil && len(r.data) > 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.data))
	}
	return r.err
}

func newTestRegistry() *Registry {
	r := NewRegistry()
	Register[MsgPing](r, "MsgPing")
	Register[MsgPrepare](r, "MsgPrepare")
	Register[MsgVote](r, "MsgVote")
	Register[msgPrepareJSON](r, "MsgPrepareJSON")
	return r
}

var (
	pingGenerator = rapid.Custom(func(t *rapid.T) MsgPing {
		return MsgPing{
			From:    rapid.Uint32().Draw(t, "from"),
			Seq:     rapid.Uint64().Draw(t, "seq"),
			Note:    rapid.String().Draw(t, "note"),
			Weight:  rapid.Float64Range(-1e12, 1e12).Draw(t, "weight"),
			Tags:    rapid.MapOf(rapid.String(), rapid.Int64()).Draw(t, "tags"),
			Payload: rapid.SliceOf(rapid.Byte()).Draw(t, "payload"),
		}
	})
	prepareGenerator = rapid.Custom(func(t *rapid.T) MsgPrepare {
		return MsgPrepare{
			TransactionID: rapid.Uint64().Draw(t, "transaction"),
			Coordinator:   rapid.Uint32().Draw(t, "coordinator"),
			DeadlineNanos: rapid.Int64().Draw(t, "deadline"),
			Participants:  rapid.SliceOf(rapid.Uint32()).Draw(t, "participants"),
			Key:           rapid.StringOf(rapid.Rune()).Draw(t, "key"),
		}
	})
	voteGenerator = rapid.Custom(func(t *rapid.T) MsgVote {
		return MsgVote{TransactionID: rapid.Uint64().Draw(t, "transaction"), Yes: rapid.Bool().Draw(t, "yes")}
	})
	messageGenerator = rapid.OneOf(
		rapid.Map(pingGenerator, func(m MsgPing) any { return m }),
		rapid.Map(prepareGenerator, func(m MsgPrepare) any { return m }),
		rapid.Map(prepareGenerator, func(m MsgPrepare) any { return msgPrepareJSON(m) }),
		rapid.Map(voteGenerator, func(m MsgVote) any { return m }),
	)
)

// TestPropertyCodecRoundTrip: every registered message decodes to an equal
// value of the same type, on both payload paths.
func TestPropertyCodecRoundTrip(t *testing.T) {
	registry := newTestRegistry()
	rapid.Check(t, func(t *rapid.T) {
		msg := messageGenerator.Draw(t, "msg")
		data, err := registry.Encode(msg)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", msg, err)
		}
		decoded, err := registry.Decode(data)
		if err != nil {
			t.Fatalf("Decode(Encode(%#v)): %v", msg, err)
		}
		if diff := cmp.Diff(msg, decoded, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the message (-sent +received):\n%s", diff)
		}
	})
}

// TestPropertyCodecDeterminism: encoding twice, encoding a decoded copy, and
// encoding after appending to a non-empty buffer all give the same bytes.
func TestPropertyCodecDeterminism(t *testing.T) {
	registry := newTestRegistry()
	rapid.Check(t, func(t *rapid.T) {
		msg := messageGenerator.Draw(t, "msg")
		first, err := registry.Encode(msg)
		if err != nil {
			t.Fatal(err)
		}
		second, _ := registry.Encode(msg)
		decoded, _ := registry.Decode(first)
		third, _ := registry.Encode(decoded)
		prefix := []byte("prefix")
		appended, _ := registry.AppendEncode(bytes.Clone(prefix), msg)
		if !bytes.Equal(first, second) || !bytes.Equal(first, third) {
			t.Fatalf("encodings differ:\n%x\n%x\n%x", first, second, third)
		}
		if !bytes.Equal(appended, append(prefix, first...)) {
			t.Fatalf("AppendEncode differs from Encode: %x vs %x", appended, first)
		}
	})
}

func TestCodecWireForm(t *testing.T) {
	registry := newTestRegistry()
	data, err := registry.Encode(MsgVote{TransactionID: 5, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte("\x07MsgVote\x05\x01"); !bytes.Equal(data, want) {
		t.Fatalf("binary wire form %q, want %q", data, want)
	}
	data, err = registry.Encode(MsgPing{From: 1, Tags: map[string]int64{"b": 2, "a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\x07MsgPing" + `{"From":1,"Seq":0,"Note":"","Weight":0,"Tags":{"a":1,"b":2},"Payload":null}`
	if string(data) != want {
		t.Fatalf("JSON wire form %q, want %q", data, want)
	}
}

func TestCodecKind(t *testing.T) {
	registry := newTestRegistry()
	if kind, ok := registry.Kind(MsgPrepare{}); !ok || kind != "MsgPrepare" {
		t.Fatalf("Kind(MsgPrepare{}) = %q, %v", kind, ok)
	}
	if kind, ok := registry.Kind(&MsgPrepare{}); ok {
		t.Fatalf("Kind(&MsgPrepare{}) = %q, want unregistered", kind)
	}
	if _, ok := registry.Kind(nil); ok {
		t.Fatal("Kind(nil) reported registered")
	}
}

func TestCodecEncodeErrors(t *testing.T) {
	registry := newTestRegistry()
	cases := []struct {
		msg  any
		want string
	}{
		{struct{ A int }{}, "net: unregistered message type: struct { A int }"},
		{&MsgPing{}, "net: unregistered message type: *net.MsgPing"},
		{nil, "net: unregistered message type: <nil>"},
		{MsgPing{Weight: math.NaN()}, `net: encode "MsgPing": json: unsupported value: NaN`},
	}
	for _, c := range cases {
		prefix := []byte("keep")
		data, err := registry.AppendEncode(prefix, c.msg)
		if err == nil || err.Error() != c.want {
			t.Errorf("AppendEncode(%#v) error %v, want %q", c.msg, err, c.want)
		}
		if string(data) != "keep" {
			t.Errorf("AppendEncode(%#v) left %q in dst, want it unchanged", c.msg, data)
		}
	}
	if _, err := registry.Encode(MsgPrepare{}); err != nil {
		t.Fatalf("registered type rejected: %v", err)
	}
	if _, err := registry.Encode(struct{}{}); !errors.Is(err, ErrUnregisteredType) {
		t.Fatalf("got %v, want ErrUnregisteredType", err)
	}
}

func TestCodecDecodeErrors(t *testing.T) {
	registry := newTestRegistry()
	ping, _ := registry.Encode(MsgPing{From: 1})
	prepare, _ := registry.Encode(MsgPrepare{Key: "k"})
	cases := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"empty", nil, "net: malformed message: unreadable kind length", ErrMalformed},
		{"zero kind length", []byte{0}, "net: malformed message: kind length 0 is outside [1,255]", ErrMalformed},
		{"huge kind length", []byte{0xff, 0xff, 0x03}, "net: malformed message: kind length 65535 is outside [1,255]", ErrMalformed},
		{"truncated kind", []byte("\x07Msg"), "net: malformed message: kind name truncated (3 of 7 bytes)", ErrMalformed},
		{"unknown kind", []byte("\x04Nope{}"), `net: unknown message kind "Nope"`, ErrUnknownKind},
		{"truncated JSON", ping[:len(ping)-1], `net: decode "MsgPing": unexpected end of JSON input`, ErrMalformed},
		{"trailing JSON", append(bytes.Clone(ping), 'x'), `net: decode "MsgPing": invalid character 'x' after top-level value`, ErrMalformed},
		{"wrong JSON type", []byte("\x07MsgPing" + `{"From":"one"}`), `net: decode "MsgPing": json: cannot unmarshal string into Go struct field MsgPing.From of type uint32`, ErrMalformed},
		{"truncated binary", prepare[:len(prepare)-1], `net: decode "MsgPrepare": need 1 bytes, have 0`, ErrMalformed},
		{"trailing binary", append(bytes.Clone(prepare), 0), `net: decode "MsgPrepare": 1 trailing bytes`, ErrMalformed},
	}
	for _, c := range cases {
		msg, err := registry.Decode(c.data)
		if err == nil {
			t.Errorf("%s: decoded %#v, want an error", c.name, msg)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%s: error %q, want %q", c.name, err, c.want)
		}
		if !errors.Is(err, c.is) {
			t.Errorf("%s: error %v is not %v", c.name, err, c.is)
		}
	}
	var decodeError *DecodeError
	if _, err := registry.Decode(ping[:len(ping)-1]); !errors.As(err, &decodeError) || decodeError.Kind != "MsgPing" {
		t.Fatalf("truncated JSON: %v, want a *DecodeError for MsgPing", err)
	}
}

func TestRegisterProgrammerErrorsPanic(t *testing.T) {
	cases := []struct {
		name     string
		register func(*Registry)
		want     string
	}{
		{"kind twice", func(r *Registry) { Register[MsgVote](r, "MsgPing") }, `kind "MsgPing" is already taken by net.MsgPing`},
		{"type twice", func(r *Registry) { Register[MsgPing](r, "Ping2") }, `net.MsgPing is already registered as "MsgPing"`},
		{"not a struct", func(r *Registry) { Register[*MsgVote](r, "Vote") }, "*net.MsgVote is not a struct type"},
		{"empty kind", func(r *Registry) { Register[MsgVote](r, "") }, "must have 1 to 255 bytes"},
		{"long kind", func(r *Registry) { Register[MsgVote](r, strings.Repeat("k", 256)) }, "must have 1 to 255 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRegistry()
			Register[MsgPing](r, "MsgPing")
			defer func() {
				recovered := recover()
				if recovered == nil || !strings.Contains(fmt.Sprint(recovered), c.want) {
					t.Fatalf("panic %v, want one containing %q", recovered, c.want)
				}
			}()
			c.register(r)
		})
	}
}

// FuzzDecode: Decode never panics; whatever it accepts re-encodes, and the
// re-encoding is a fixed point (decode then encode gives it back).
func FuzzDecode(f *testing.F) {
	registry := newTestRegistry()
	for _, msg := range []any{
		MsgPing{From: 1, Note: "hi", Tags: map[string]int64{"a": 1}, Payload: []byte{1, 2}},
		MsgPrepare{TransactionID: 9, Participants: []uint32{1, 2}, Key: "k"},
		msgPrepareJSON{TransactionID: 9, Key: "k"},
		MsgVote{TransactionID: 3, Yes: true},
	} {
		data, err := registry.Encode(msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte("\x07MsgPing{"))
	f.Add([]byte("\x0aMsgPrepare\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := registry.Decode(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKind) {
				t.Fatalf("decode error %v is neither malformed nor unknown kind", err)
			}
			return
		}
		encoded, err := registry.Encode(msg)
		if err != nil {
			t.Fatalf("decoded %#v does not re-encode: %v", msg, err)
		}
		again, err := registry.Decode(encoded)
		if err != nil {
			t.Fatalf("re-encoding %x does not decode: %v", encoded, err)
		}
		encodedAgain, _ := registry.Encode(again)
		if !bytes.Equal(encoded, encodedAgain) {
			t.Fatalf("re-encoding is not stable: %x vs %x", encoded, encodedAgain)
		}
	})
}

func BenchmarkCodecSmallMessage(b *testing.B) {
	registry := newTestRegistry()
	prepare := MsgPrepare{
		TransactionID: 1 << 40, Coordinator: 3, DeadlineNanos: 5_000_000_000,
		Participants: []uint32{1, 2, 3}, Key: "account/42",
	}
	for _, c := range []struct {
		name string
		msg  any
	}{
		{"json", msgPrepareJSON(prepare)},
		{"binary", prepare},
	} {
		b.Run(c.name, func(b *testing.B) {
			buffer := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				buffer, err = registry.AppendEncode(buffer[:0], c.msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := registry.Decode(buffer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPropertyDecodedMessagesStayIntact: the binary path decodes through a
// spare value reused between calls; a decoded message must not change when
// later messages of the same type are decoded, or when the bytes it came
// from are overwritten.
func TestPropertyDecodedMessagesStayIntact(t *testing.T) {
	registry := newTestRegistry()
	rapid.Check(t, func(t *rapid.T) {
		messages := rapid.SliceOfN(prepareGenerator, 1, 8).Draw(t, "messages")
		decoded := make([]any, len(messages))
		for i, msg := range messages {
			data, err := registry.Encode(msg)
			if err != nil {
				t.Fatal(err)
			}
			if decoded[i], err = registry.Decode(data); err != nil {
				t.Fatal(err)
			}
			clear(data)
		}
		if _, err := registry.Decode([]byte("\x0aMsgPrepare\xff")); err == nil {
			t.Fatal("a truncated MsgPrepare decoded")
		}
		for i, msg := range messages {
			if diff := cmp.Diff(any(msg), decoded[i], cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("message %d changed after later decodes (-sent +held):\n%s", i, diff)
			}
		}
	})
}

// TestConcurrentDecodesAreIndependent: a Registry is safe for concurrent
// use after registration, the spare decoding value included.
func TestConcurrentDecodesAreIndependent(t *testing.T) {
	registry := newTestRegistry()
	const decoders, rounds = 4, 2000
	failures := make(chan string, decoders)
	for d := range decoders {
		go func() {
			want := MsgPrepare{TransactionID: uint64(d), Participants: []uint32{uint32(d)}, Key: fmt.Sprint(d)}
			data, _ := registry.Encode(want)
			for range rounds {
				got, err := registry.Decode(data)
				if err != nil || !cmp.Equal(any(want), got) {
					failures <- fmt.Sprintf("decoder %d got %#v, %v", d, got, err)
					return
				}
			}
			failures <- ""
		}()
	}
	for range decoders {
		if failure := <-failures; failure != "" {
			t.Fatal(failure)
		}
	}
}
