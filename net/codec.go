package net

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
)

// Codec turns messages into bytes and back. Every message crossing the
// simulated network goes through one, so nodes never share memory.
type Codec interface {
	Encode(msg any) ([]byte, error)
	Decode(data []byte) (any, error)
}

var (
	// ErrUnregisteredType is returned when encoding a value whose Go type was
	// never registered (a pointer to a registered struct included).
	ErrUnregisteredType = errors.New("net: unregistered message type")
	// ErrUnknownKind is returned when decoding bytes that name a kind no one
	// registered.
	ErrUnknownKind = errors.New("net: unknown message kind")
	// ErrMalformed is matched (errors.Is) by every decode error caused by the
	// bytes themselves: a bad header, or a payload its kind cannot decode.
	ErrMalformed = errors.New("net: malformed message")
)

// kindLenMax bounds a kind name, on registration and on the wire.
const kindLenMax = 255

// DecodeError reports a payload that its kind could not decode.
type DecodeError struct {
	Kind string // the registered kind named by the header
	Err  error  // what the payload decoder said
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("net: decode %q: %v", e.Kind, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes every DecodeError match ErrMalformed.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// binaryMessage is what the fast path needs from *T.
type binaryMessage interface {
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// registration is everything the registry knows about one message type.
type registration struct {
	kind        string
	messageType reflect.Type
	appendTo    func(dst []byte, msg any) ([]byte, error)
	decode      func(payload []byte) (any, error)
}

// Registry is the deterministic Codec: a message travels as
//
//	uvarint(len(kind)) kind payload
//
// where the payload is the message's own AppendBinary output when *T
// implements encoding.BinaryAppender and encoding.BinaryUnmarshaler, and its
// encoding/json form otherwise (struct field order, sorted map keys: the
// same message always gives the same bytes). On the JSON path strings must be
// valid UTF-8 (encoding/json turns invalid bytes into U+FFFD; carry raw bytes
// as []byte), floats must be finite (NaN is an encode error), and unknown
// JSON fields are ignored on decode.
//
// Register every type before the first Encode or Decode; after that a
// Registry is read-only and safe for concurrent use.
type Registry struct {
	byKind map[string]*registration
	byType map[reflect.Type]*registration
}

var _ Codec = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{
		byKind: make(map[string]*registration),
		byType: make(map[reflect.Type]*registration),
	}
}

// Register makes messages of struct type T travel under the name kind.
// Messages are values of T, never pointers. Registering a kind or a type
// twice, a non-struct T, or an empty or over-long kind panics: these are
// programmer errors found on the first run.
func Register[T any](r *Registry, kind string) {
	messageType := reflect.TypeFor[T]()
	if messageType.Kind() != reflect.Struct {
		panic(fmt.Sprintf("net: Register %q: %v is not a struct type", kind, messageType))
	}
	if kind == "" || len(kind) > kindLenMax {
		panic(fmt.Sprintf("net: Register %v: kind %q must have 1 to %d bytes", messageType, kind, kindLenMax))
	}
	if previous, taken := r.byKind[kind]; taken {
		panic(fmt.Sprintf("net: Register %v: kind %q is already taken by %v", messageType, kind, previous.messageType))
	}
	if previous, taken := r.byType[messageType]; taken {
		panic(fmt.Sprintf("net: Register %q: %v is already registered as %q", kind, messageType, previous.kind))
	}
	entry := &registration{kind: kind, messageType: messageType}
	if _, ok := any(new(T)).(binaryMessage); ok {
		entry.appendTo = appendBinaryPointer[T]
		if _, valueReceiver := any(*new(T)).(encoding.BinaryAppender); valueReceiver {
			entry.appendTo = appendBinaryValue
		}
		entry.decode = binaryDecoder[T]()
	} else {
		entry.appendTo = appendJSON
		entry.decode = decodeJSON[T]
	}
	r.byKind[kind] = entry
	r.byType[messageType] = entry
}

// appendBinaryValue encodes through a value-receiver AppendBinary, without
// copying the message.
func appendBinaryValue(dst []byte, msg any) ([]byte, error) {
	return msg.(encoding.BinaryAppender).AppendBinary(dst)
}

// appendBinaryPointer encodes through a pointer-receiver AppendBinary, which
// needs an addressable copy of the message.
func appendBinaryPointer[T any](dst []byte, msg any) ([]byte, error) {
	value := msg.(T)
	return any(&value).(encoding.BinaryAppender).AppendBinary(dst)
}

// binaryDecoder returns T's decoder. UnmarshalBinary needs a *T, and the
// message then travels boxed in an any: decoding into a spare *T kept
// between calls makes that one allocation (the box) instead of two. The
// spare is taken with an atomic swap, so concurrent decoders stay safe (a
// decoder that finds it taken allocates its own).
func binaryDecoder[T any]() func(payload []byte) (any, error) {
	var spare atomic.Pointer[T]
	return func(payload []byte) (any, error) {
		value := spare.Swap(nil)
		if value == nil {
			value = new(T)
		}
		err := any(value).(encoding.BinaryUnmarshaler).UnmarshalBinary(payload)
		var decoded any
		if err == nil {
			decoded = *value
		}
		var zero T
		*value = zero // keep no reference to the decoded message
		spare.Store(value)
		return decoded, err
	}
}

func appendJSON(dst []byte, msg any) ([]byte, error) {
	payload, err := json.Marshal(msg)
	if err != nil {
		return dst, err
	}
	return append(dst, payload...), nil
}

func decodeJSON[T any](payload []byte) (any, error) {
	value := new(T)
	if err := json.Unmarshal(payload, value); err != nil {
		return nil, err
	}
	return *value, nil
}

// Kind returns the kind msg travels under, and whether its type is registered.
func (r *Registry) Kind(msg any) (string, bool) {
	entry, ok := r.byType[reflect.TypeOf(msg)]
	if !ok {
		return "", false
	}
	return entry.kind, true
}

// Encode returns the wire form of msg.
func (r *Registry) Encode(msg any) ([]byte, error) {
	// Most messages fit; sizing once avoids regrowing the slice field by
	// field, which dominated the allocations of a simulated transaction.
	return r.AppendEncode(make([]byte, 0, encodeSizeHint), msg)
}

// encodeSizeHint is the initial capacity of an encoded message.
const encodeSizeHint = 192

// AppendEncode appends the wire form of msg to dst. On error it returns dst
// unchanged in length. Encoding an unregistered type is an error wrapping
// ErrUnregisteredType and naming the Go type.
func (r *Registry) AppendEncode(dst []byte, msg any) ([]byte, error) {
	messageType := reflect.TypeOf(msg)
	entry, ok := r.byType[messageType]
	if !ok {
		return dst, fmt.Errorf("%w: %v", ErrUnregisteredType, messageType)
	}
	start := len(dst)
	dst = binary.AppendUvarint(dst, uint64(len(entry.kind)))
	dst = append(dst, entry.kind...)
	dst, err := entry.appendTo(dst, msg)
	if err != nil {
		return dst[:start], fmt.Errorf("net: encode %q: %w", entry.kind, err)
	}
	return dst, nil
}

// Decode parses one message from its wire form. It never panics on
// arbitrary bytes (given that registered UnmarshalBinary methods do not):
// a bad header wraps ErrMalformed, an unknown kind wraps ErrUnknownKind, and a
// payload its kind rejects (truncated, bad JSON, trailing garbage) is a
// *DecodeError naming the kind.
func (r *Registry) Decode(data []byte) (any, error) {
	kindLen, headerLen := binary.Uvarint(data)
	if headerLen <= 0 {
		return nil, fmt.Errorf("%w: unreadable kind length", ErrMalformed)
	}
	if kindLen == 0 || kindLen > kindLenMax {
		return nil, fmt.Errorf("%w: kind length %d is outside [1,%d]", ErrMalformed, kindLen, kindLenMax)
	}
	rest := data[headerLen:]
	if uint64(len(rest)) < kindLen {
		return nil, fmt.Errorf("%w: kind name truncated (%d of %d bytes)", ErrMalformed, len(rest), kindLen)
	}
	entry, ok := r.byKind[string(rest[:kindLen])]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, rest[:kindLen])
	}
	msg, err := entry.decode(rest[kindLen:])
	if err != nil {
		return nil, &DecodeError{Kind: entry.kind, Err: err}
	}
	return msg, nil
}
