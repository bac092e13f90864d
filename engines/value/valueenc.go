package value

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadEncoding reports bytes that are not a value written by
// Append.
var ErrBadEncoding = errors.New("value: bad encoding")

// Value encoding: compact and canonical, for storage and messages (not
// ordered; see AppendKey for that). A tag byte, then:
//
//	Null, false, true   nothing (the tag says it all)
//	Int                 zig-zag varint
//	Float               8 bytes little-endian IEEE 754
//	String, Bytes       uvarint length, then the bytes
//	List                uvarint element count, then each element
//	Map                 uvarint entry count, then per entry in key order:
//	                    uvarint key length, key bytes, the value
//	Decimal             1 byte scale (at most DecimalScaleMax), then the
//	                    unscaled value as a zig-zag varint
//	Timestamp           zig-zag varint of the microseconds
//	UUID                the 16 bytes
//
// Canonical: equal values encode to identical bytes, and decoding accepts
// only what Append writes (minimal varints, the canonical NaN, strictly
// increasing map keys), so re-encoding a decoded value reproduces its input.
const (
	valueTagNull byte = iota
	valueTagFalse
	valueTagTrue
	valueTagInt
	valueTagFloat
	valueTagString
	valueTagBytes
	valueTagList
	valueTagMap
	valueTagDecimal
	valueTagTimestamp
	valueTagUUID
)

// valueFloatLen and valueUUIDLen are the widths of an encoded Float and
// UUID.
const (
	valueFloatLen = 8
	valueUUIDLen  = 16
)

// valueItemsPreallocateMax caps the slice capacity a decoder reserves from
// an encoded count, so a forged count cannot make it allocate much before
// the input runs out.
const valueItemsPreallocateMax = 1024

// Append appends v's canonical value encoding to dst and returns the
// extended slice.
func Append(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, valueTagNull)
	case KindBool:
		if v.bits == 1 {
			return append(dst, valueTagTrue)
		}
		return append(dst, valueTagFalse)
	case KindInt:
		return binary.AppendVarint(append(dst, valueTagInt), int64(v.bits))
	case KindFloat:
		return binary.LittleEndian.AppendUint64(append(dst, valueTagFloat), v.bits)
	case KindString:
		return appendValueText(append(dst, valueTagString), v.text)
	case KindBytes:
		return append(AppendBytesHead(dst, len(v.text)), v.text...)
	case KindList:
		dst = AppendListHead(dst, len(v.items))
		for _, item := range v.items {
			dst = Append(dst, item)
		}
		return dst
	case KindMap:
		dst = binary.AppendUvarint(append(dst, valueTagMap), uint64(len(v.items)/2))
		for i := 0; i < len(v.items); i += 2 {
			dst = appendValueText(dst, v.items[i].text)
			dst = Append(dst, v.items[i+1])
		}
		return dst
	case KindDecimal:
		return binary.AppendVarint(append(dst, valueTagDecimal, v.scale), int64(v.bits))
	case KindTimestamp:
		return binary.AppendVarint(append(dst, valueTagTimestamp), int64(v.bits))
	case KindUUID:
		return append(append(dst, valueTagUUID), v.text...)
	}
	panic("value: Append of invalid kind " + v.kind.String())
}

// AppendListHead appends the start of a list of n items, whose encodings
// (Append) follow it: for encoding a list in pieces.
func AppendListHead(dst []byte, n int) []byte {
	return binary.AppendUvarint(append(dst, valueTagList), uint64(n))
}

// AppendBytesHead appends the start of a bytes value of length n, whose n
// bytes follow it: for encoding one written in pieces.
func AppendBytesHead(dst []byte, n int) []byte {
	return binary.AppendUvarint(append(dst, valueTagBytes), uint64(n))
}

func appendValueText(dst []byte, text string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(text)))
	return append(dst, text...)
}

// Decode decodes src, which must hold exactly one value encoding.
// Errors wrap ErrBadEncoding (or ErrNestingTooDeep) and name the byte
// offset. The value never aliases src.
func Decode(src []byte) (Value, error) {
	v, rest, err := DecodePrefix(src)
	if err != nil {
		return Value{}, err
	}
	if len(rest) > 0 {
		return Value{}, fmt.Errorf("%w: at byte %d: %d trailing bytes", ErrBadEncoding, len(src)-len(rest), len(rest))
	}
	return v, nil
}

// DecodePrefix decodes one value encoding from the start of src and
// returns the value and the bytes after it.
func DecodePrefix(src []byte) (Value, []byte, error) {
	decoder := valueDecoder{src: src}
	v, err := decoder.value(0)
	if err != nil {
		return Value{}, nil, err
	}
	return v, src[decoder.position:], nil
}

// valueDecoder reads value encodings from src.
// Invariant: position <= len(src).
type valueDecoder struct {
	src      []byte
	position int
}

func (d *valueDecoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrBadEncoding, d.position, fmt.Sprintf(format, args...))
}

func (d *valueDecoder) remaining() int { return len(d.src) - d.position }

// value decodes one value; depth counts the lists and maps around it.
func (d *valueDecoder) value(depth int) (Value, error) {
	if d.remaining() == 0 {
		return Value{}, d.fail("truncated: want a tag")
	}
	tag := d.src[d.position]
	d.position++
	switch tag {
	case valueTagNull:
		return Value{}, nil
	case valueTagFalse:
		return Bool(false), nil
	case valueTagTrue:
		return Bool(true), nil
	case valueTagInt:
		return d.integer()
	case valueTagFloat:
		return d.float()
	case valueTagString:
		text, err := d.text()
		return Value{kind: KindString, text: text}, err
	case valueTagBytes:
		text, err := d.text()
		return Value{kind: KindBytes, text: text}, err
	case valueTagList:
		return d.list(depth + 1)
	case valueTagMap:
		return d.mapEntries(depth + 1)
	case valueTagDecimal:
		return d.decimal()
	case valueTagTimestamp:
		micros, err := d.zigzag()
		return Value{kind: KindTimestamp, bits: uint64(micros)}, err
	case valueTagUUID:
		return d.uuid()
	}
	d.position--
	return Value{}, d.fail("unknown tag 0x%02x", tag)
}

// uvarint decodes a minimal unsigned varint.
func (d *valueDecoder) uvarint() (uint64, error) {
	number, width := binary.Uvarint(d.src[d.position:])
	if width == 0 {
		return 0, d.fail("truncated varint")
	}
	if width < 0 {
		return 0, d.fail("varint overflows 64 bits")
	}
	if width > 1 && d.src[d.position+width-1] == 0 {
		return 0, d.fail("non-minimal varint")
	}
	d.position += width
	return number, nil
}

func (d *valueDecoder) integer() (Value, error) {
	integer, err := d.zigzag()
	return Int(integer), err
}

// zigzag decodes a minimal zig-zag varint.
func (d *valueDecoder) zigzag() (int64, error) {
	zigzag, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	integer := int64(zigzag >> 1)
	if zigzag&1 != 0 {
		integer = ^integer
	}
	return integer, nil
}

func (d *valueDecoder) decimal() (Value, error) {
	if d.remaining() == 0 {
		return Value{}, d.fail("truncated decimal: want a scale byte")
	}
	scale := d.src[d.position]
	if scale > DecimalScaleMax {
		return Value{}, d.fail("decimal scale %d above %d", scale, DecimalScaleMax)
	}
	d.position++
	unscaled, err := d.zigzag()
	return Value{kind: KindDecimal, scale: scale, bits: uint64(unscaled)}, err
}

func (d *valueDecoder) uuid() (Value, error) {
	raw, err := d.skipUUID()
	return Value{kind: KindUUID, text: string(raw)}, err
}

// skipUUID moves past a UUID's bytes and returns them, aliasing src.
func (d *valueDecoder) skipUUID() ([]byte, error) {
	if d.remaining() < valueUUIDLen {
		return nil, d.fail("truncated uuid: want %d bytes, have %d", valueUUIDLen, d.remaining())
	}
	raw := d.src[d.position : d.position+valueUUIDLen]
	d.position += valueUUIDLen
	return raw, nil
}

func (d *valueDecoder) float() (Value, error) {
	if d.remaining() < valueFloatLen {
		return Value{}, d.fail("truncated float: want %d bytes, have %d", valueFloatLen, d.remaining())
	}
	v, ok := floatFromBits(binary.LittleEndian.Uint64(d.src[d.position:]))
	if !ok {
		return Value{}, d.fail("non-canonical NaN")
	}
	d.position += valueFloatLen
	return v, nil
}

// count decodes a count of what (bytes, elements, entries), each needing
// at least itemBytesMin bytes, and checks the input can hold that many.
func (d *valueDecoder) count(what string, itemBytesMin int) (int, error) {
	start := d.position
	count, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if count > uint64(d.remaining()/itemBytesMin) {
		remaining := d.remaining()
		d.position = start
		return 0, d.fail("%d %s cannot fit in the %d bytes left", count, what, remaining)
	}
	return int(count), nil
}

func (d *valueDecoder) text() (string, error) {
	length, err := d.count("bytes", 1)
	if err != nil {
		return "", err
	}
	text := string(d.src[d.position : d.position+length])
	d.position += length
	return text, nil
}

// list decodes a list's elements; depth counts this list.
func (d *valueDecoder) list(depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, d.position-1, NestingDepthMax)
	}
	count, err := d.count("elements", 1)
	if err != nil {
		return Value{}, err
	}
	items := make([]Value, 0, min(count, valueItemsPreallocateMax))
	for range count {
		item, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		items = append(items, item)
	}
	return Value{kind: KindList, bits: uint64(1) + itemsDepth(items), items: items}, nil
}

// mapEntries decodes a map's entries; depth counts this map.
func (d *valueDecoder) mapEntries(depth int) (Value, error) {
	if depth > NestingDepthMax {
		return Value{}, fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, d.position-1, NestingDepthMax)
	}
	const entryBytesMin = 2 // a key length and a value tag
	count, err := d.count("entries", entryBytesMin)
	if err != nil {
		return Value{}, err
	}
	items := make([]Value, 0, 2*min(count, valueItemsPreallocateMax))
	for i := range count {
		keyStart := d.position
		key, err := d.text()
		if err != nil {
			return Value{}, err
		}
		if i > 0 && items[len(items)-2].text >= key {
			d.position = keyStart
			return Value{}, d.fail("map key %q not after the previous key", key)
		}
		item, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		items = append(items, String(key), item)
	}
	return Value{kind: KindMap, bits: uint64(1) + itemsDepth(items), items: items}, nil
}

// Reading encodings without building values. Engines decode an operation
// on every applied log entry; these let their fast paths pick an encoded
// list apart without allocating. Each accepts exactly what Decode
// accepts, so a fast path that falls back to Decode on any error
// behaves as if it had decoded.

// AppendListElements splits src, which must hold exactly one List
// encoding, into its elements' encodings, appended to dst. The elements
// alias src. Every element is checked as Decode would check it (as a
// list element, for the nesting depth).
func AppendListElements(dst [][]byte, src []byte) ([][]byte, error) {
	decoder := valueDecoder{src: src}
	if decoder.remaining() == 0 || src[0] != valueTagList {
		return dst, decoder.fail("want a list")
	}
	decoder.position++
	count, err := decoder.count("elements", 1)
	if err != nil {
		return dst, err
	}
	for range count {
		start := decoder.position
		if err := decoder.skip(1); err != nil {
			return dst, err
		}
		dst = append(dst, src[start:decoder.position:decoder.position])
	}
	if decoder.remaining() > 0 {
		return dst, decoder.fail("%d trailing bytes", decoder.remaining())
	}
	return dst, nil
}

// EncodedText returns the kind and content of a String or Bytes value
// encoding, aliasing encoded; ok is false for any other bytes.
func EncodedText(encoded []byte) (kind Kind, text []byte, ok bool) {
	if len(encoded) == 0 || (encoded[0] != valueTagString && encoded[0] != valueTagBytes) {
		return 0, nil, false
	}
	decoder := valueDecoder{src: encoded, position: 1}
	length, err := decoder.count("bytes", 1)
	if err != nil || decoder.remaining() != length {
		return 0, nil, false
	}
	kind = KindString
	if encoded[0] == valueTagBytes {
		kind = KindBytes
	}
	return kind, encoded[decoder.position:], true
}

// skip checks one value encoding as value(depth) would and moves past it,
// building nothing.
func (d *valueDecoder) skip(depth int) error {
	if d.remaining() == 0 {
		return d.fail("truncated: want a tag")
	}
	tag := d.src[d.position]
	d.position++
	switch tag {
	case valueTagNull, valueTagFalse, valueTagTrue:
		return nil
	case valueTagInt:
		_, err := d.uvarint()
		return err
	case valueTagFloat:
		_, err := d.float()
		return err
	case valueTagString, valueTagBytes:
		_, err := d.skipText()
		return err
	case valueTagList:
		return d.skipList(depth + 1)
	case valueTagMap:
		return d.skipMap(depth + 1)
	case valueTagDecimal:
		_, err := d.decimal()
		return err
	case valueTagTimestamp:
		_, err := d.uvarint()
		return err
	case valueTagUUID:
		_, err := d.skipUUID()
		return err
	}
	d.position--
	return d.fail("unknown tag 0x%02x", tag)
}

// skipText moves past a length-prefixed text and returns it, aliasing src.
func (d *valueDecoder) skipText() ([]byte, error) {
	length, err := d.count("bytes", 1)
	if err != nil {
		return nil, err
	}
	text := d.src[d.position : d.position+length]
	d.position += length
	return text, nil
}

func (d *valueDecoder) skipList(depth int) error {
	if depth > NestingDepthMax {
		return fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, d.position-1, NestingDepthMax)
	}
	count, err := d.count("elements", 1)
	if err != nil {
		return err
	}
	for range count {
		if err := d.skip(depth); err != nil {
			return err
		}
	}
	return nil
}

func (d *valueDecoder) skipMap(depth int) error {
	if depth > NestingDepthMax {
		return fmt.Errorf("%w: at byte %d: deeper than %d", ErrNestingTooDeep, d.position-1, NestingDepthMax)
	}
	const entryBytesMin = 2 // a key length and a value tag
	count, err := d.count("entries", entryBytesMin)
	if err != nil {
		return err
	}
	var previousKey []byte
	for i := range count {
		keyStart := d.position
		key, err := d.skipText()
		if err != nil {
			return err
		}
		if i > 0 && string(previousKey) >= string(key) {
			d.position = keyStart
			return d.fail("map key %q not after the previous key", key)
		}
		previousKey = key
		if err := d.skip(depth); err != nil {
			return err
		}
	}
	return nil
}
