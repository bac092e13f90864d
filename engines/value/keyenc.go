package value

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// ErrBadKey reports bytes that are not a key written by AppendKey.
var ErrBadKey = errors.New("value: bad key encoding")

// Key encoding. Every value starts with a tag byte, keyTag(kind), so kinds
// sort in Compare order. Then:
//
//	Null    nothing
//	Bool    0x00 or 0x01
//	Int     8 bytes big-endian with the sign bit flipped
//	Float   8 bytes big-endian of floatOrderBits
//	String  the bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x01
//	Bytes   as String
//	List    each element's key encoding, then 0x00
//	Map     for each entry in key order, String(key) then the value, then 0x00
//	Decimal 16 bytes big-endian: the value times 10^18 as a 128-bit
//	        two's-complement integer with the sign bit flipped; then 1 byte,
//	        the scale (so 1.5 sorts just before 1.50)
//	Timestamp  8 bytes big-endian of the microseconds, sign bit flipped
//	UUID    the 16 bytes
//
// Every encoding is self-delimiting and no encoding is a prefix of another,
// so concatenated keys compare as tuples. The 0x00 that ends a list or map
// sorts below every tag, so a shorter list sorts before its extensions; the
// string terminator 0x00 0x01 sorts below every byte and below an escaped
// 0x00, so a shorter string sorts before its extensions.
const (
	keyContainerEnd  byte = 0x00
	keyStringEscape  byte = 0x00
	keyStringEnd     byte = 0x01
	keyEscapedZero   byte = 0xFF
	keyBoolFalse     byte = 0x00
	keyBoolTrue      byte = 0x01
	keyFixedWidthLen      = 8
	keyUUIDLen            = 16
)

// keyTag returns the tag byte that opens a key encoding of kind. Tags start
// at 1 so that keyContainerEnd sorts below all of them.
func keyTag(kind Kind) byte { return byte(kind) + 1 }

// AppendKey appends v's order-preserving key encoding to dst and returns the
// extended slice. For all values a and b,
// bytes.Compare(AppendKey(nil, a), AppendKey(nil, b)) == a.Compare(b), and
// concatenated encodings compare as tuples.
func AppendKey(dst []byte, v Value) []byte {
	dst = append(dst, keyTag(v.kind))
	switch v.kind {
	case KindBool:
		if v.bits == 1 {
			return append(dst, keyBoolTrue)
		}
		return append(dst, keyBoolFalse)
	case KindInt:
		return binary.BigEndian.AppendUint64(dst, v.bits^(1<<63))
	case KindFloat:
		return binary.BigEndian.AppendUint64(dst, floatOrderBits(v.bits))
	case KindString, KindBytes:
		return appendKeyText(dst, v.text)
	case KindList, KindMap:
		for _, item := range v.items {
			dst = AppendKey(dst, item)
		}
		return append(dst, keyContainerEnd)
	case KindDecimal:
		high, low := v.decimal().orderBits()
		dst = binary.BigEndian.AppendUint64(dst, high)
		return append(binary.BigEndian.AppendUint64(dst, low), v.scale)
	case KindTimestamp:
		return binary.BigEndian.AppendUint64(dst, v.bits^(1<<63))
	case KindUUID:
		return append(dst, v.text...)
	}
	return dst
}

// appendKeyText appends text with every 0x00 escaped, then the terminator.
func appendKeyText(dst []byte, text string) []byte {
	for {
		zeroAt := strings.IndexByte(text, 0)
		if zeroAt < 0 {
			dst = append(dst, text...)
			return append(dst, keyStringEscape, keyStringEnd)
		}
		dst = append(dst, text[:zeroAt]...)
		dst = append(dst, keyStringEscape, keyEscapedZero)
		text = text[zeroAt+1:]
	}
}

// AppendKeyTuple appends the key encodings of values one after another;
// the result orders lexicographically by the values.
func AppendKeyTuple(dst []byte, values ...Value) []byte {
	for _, v := range values {
		dst = AppendKey(dst, v)
	}
	return dst
}

// DecodeKey decodes one key encoding from the start of src and returns the
// value and the bytes after it. It accepts exactly the encodings AppendKey
// writes; anything else returns an error wrapping ErrBadKey (or
// ErrNestingTooDeep) that names the byte offset. The value never aliases src.
func DecodeKey(src []byte) (Value, []byte, error) {
	decoder := keyDecoder{src: src}
	v, err := decoder.value(0)
	if err != nil {
		return Value{}, nil, err
	}
	return v, src[decoder.position:], nil
}

// DecodeKeyTuple decodes the whole of src as consecutive key encodings.
func DecodeKeyTuple(src []byte) ([]Value, error) {
	decoder := keyDecoder{src: src}
	var values []Value
	for decoder.position < len(src) {
		v, err := decoder.value(0)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

// keyDecoder reads key encodings from src.
// Invariant: position <= len(src).
type keyDecoder struct {
	src      []byte
	position int
}

func (d *keyDecoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrBadKey, d.position, fmt.Sprintf(format, args...))
}

// value decodes one value; depth counts the lists and maps around it.
func (d *keyDecoder) value(depth int) (Value, error) {
	if d.position >= len(d.src) {
		return Value{}, d.fail("truncated: want a tag")
	}
	tag := d.src[d.position]
	if tag == 0 || tag > keyTag(kindCount-1) {
		return Value{}, d.fail("unknown tag 0x%02x", tag)
	}
	d.position++
	switch kind := Kind(tag - 1); kind {
	case KindNull:
		return Value{}, nil
	case KindBool:
		return d.boolean()
	case KindInt:
		bits, err := d.fixedWidth()
		return Value{kind: KindInt, bits: bits ^ (1 << 63)}, err
	case KindFloat:
		return d.float()
	case KindString, KindBytes:
		text, err := d.text()
		return Value{kind: kind, text: text}, err
	case KindDecimal:
		return d.decimal()
	case KindTimestamp:
		bits, err := d.fixedWidth()
		return Value{kind: KindTimestamp, bits: bits ^ (1 << 63)}, err
	case KindUUID:
		return d.uuid()
	default:
		return d.container(kind, depth+1)
	}
}

func (d *keyDecoder) boolean() (Value, error) {
	if d.position >= len(d.src) {
		return Value{}, d.fail("truncated bool")
	}
	switch d.src[d.position] {
	case keyBoolFalse:
		d.position++
		return Bool(false), nil
	case keyBoolTrue:
		d.position++
		return Bool(true), nil
	}
	return Value{}, d.fail("bool byte 0x%02x, want 0x00 or 0x01", d.src[d.position])
}

func (d *keyDecoder) fixedWidth() (uint64, error) {
	if len(d.src)-d.position < keyFixedWidthLen {
		return 0, d.fail("truncated: want %d bytes, have %d", keyFixedWidthLen, len(d.src)-d.position)
	}
	bits := binary.BigEndian.Uint64(d.src[d.position:])
	d.position += keyFixedWidthLen
	return bits, nil
}

func (d *keyDecoder) float() (Value, error) {
	start := d.position
	orderBits, err := d.fixedWidth()
	if err != nil {
		return Value{}, err
	}
	v, ok := floatFromBits(floatBitsFromOrder(orderBits))
	if !ok {
		d.position = start
		return Value{}, d.fail("non-canonical NaN")
	}
	return v, nil
}

func (d *keyDecoder) decimal() (Value, error) {
	start := d.position
	high, err := d.fixedWidth()
	if err != nil {
		return Value{}, err
	}
	low, err := d.fixedWidth()
	if err != nil {
		return Value{}, err
	}
	if d.position >= len(d.src) {
		return Value{}, d.fail("truncated decimal: want a scale byte")
	}
	scale := d.src[d.position]
	if scale > DecimalScaleMax {
		return Value{}, d.fail("decimal scale %d above %d", scale, DecimalScaleMax)
	}
	decimal, ok := decimalFromOrderBits(high, low, scale)
	if !ok {
		d.position = start
		return Value{}, d.fail("not a decimal of scale %d: %x", scale, d.src[start:start+2*keyFixedWidthLen+1])
	}
	d.position++
	return DecimalValue(decimal), nil
}

func (d *keyDecoder) uuid() (Value, error) {
	if len(d.src)-d.position < keyUUIDLen {
		return Value{}, d.fail("truncated uuid: want %d bytes, have %d", keyUUIDLen, len(d.src)-d.position)
	}
	text := string(d.src[d.position : d.position+keyUUIDLen])
	d.position += keyUUIDLen
	return Value{kind: KindUUID, text: text}, nil
}

// text decodes escaped bytes up to and including the terminator.
func (d *keyDecoder) text() (string, error) {
	var unescaped []byte // nil until the first escape: the common case copies once
	for {
		rest := d.src[d.position:]
		zeroAt := bytes.IndexByte(rest, 0)
		if zeroAt < 0 || zeroAt+1 >= len(rest) {
			d.position = len(d.src)
			return "", d.fail("truncated string: want 0x00 0x01 terminator")
		}
		switch rest[zeroAt+1] {
		case keyStringEnd:
			d.position += zeroAt + 2
			if unescaped == nil {
				return string(rest[:zeroAt]), nil
			}
			return string(append(unescaped, rest[:zeroAt]...)), nil
		case keyEscapedZero:
			unescaped = append(unescaped, rest[:zeroAt]...)
			unescaped = append(unescaped, 0)
			d.position += zeroAt + 2
		default:
			d.position += zeroAt + 1
			return "", d.fail("byte 0x%02x after 0x00 in a string, want 0x01 or 0xff", rest[zeroAt+1])
		}
	}
}

// container decodes list elements or map entries up to keyContainerEnd;
// depth counts this container.
func (d *keyDecoder) container(kind Kind, depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, d.position-1, NestingDepthMax)
	}
	var items []Value
	for {
		if d.position >= len(d.src) {
			return Value{}, d.fail("truncated %s: want 0x00 end", kind)
		}
		if d.src[d.position] == keyContainerEnd {
			d.position++
			break
		}
		if kind == KindMap {
			key, err := d.mapKey(items)
			if err != nil {
				return Value{}, err
			}
			items = append(items, key)
		}
		item, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		items = append(items, item)
	}
	if kind == KindList {
		return Value{kind: KindList, bits: uint64(1) + itemsDepth(items), items: items}, nil
	}
	return Value{kind: KindMap, bits: uint64(1) + itemsDepth(items), items: items}, nil
}

// mapKey decodes a map entry's key, which must be a String greater than the
// previous key in items.
func (d *keyDecoder) mapKey(items []Value) (Value, error) {
	start := d.position
	if d.src[d.position] != keyTag(KindString) {
		return Value{}, d.fail("map key tag 0x%02x, want a string", d.src[d.position])
	}
	d.position++
	text, err := d.text()
	if err != nil {
		return Value{}, err
	}
	if len(items) > 0 && items[len(items)-2].text >= text {
		d.position = start
		return Value{}, d.fail("map key %q not after the previous key", text)
	}
	return String(text), nil
}
