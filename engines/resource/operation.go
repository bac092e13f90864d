package resource

import (
	"encoding/binary"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enum"
)

// Operations travel as the value encoding of an value.Value list whose
// first element is the operation name and whose other elements are its
// arguments, all strings except the decimals of create:
//
//	["create", token, symbol, decimals]   ["mint", token, to, amount]
//	["burn", token, from, amount]         ["transfer", token, from, to, amount]
//	["balance", token, account]           ["supply", token]
//	["metadata", token]
//
// Amounts travel as decimal text, parsed against the token's decimals by the
// engine. Results: Null for create, mint, burn and transfer; the amount text
// for balance and supply; [symbol, decimals] for metadata.

// operationKind names an operation.
type operationKind uint8

const (
	operationCreate operationKind = iota + 1
	operationMint
	operationBurn
	operationTransfer
	operationBalance
	operationSupply
	operationMetadata
	operationKindEnd
)

var operationNames = [...]string{operationCreate: "create", operationMint: "mint", operationBurn: "burn",
	operationTransfer: "transfer", operationBalance: "balance", operationSupply: "supply", operationMetadata: "metadata"}

// operationArgumentCounts is the number of arguments after the name.
var operationArgumentCounts = [...]int{operationCreate: 3, operationMint: 3, operationBurn: 3,
	operationTransfer: 4, operationBalance: 2, operationSupply: 1, operationMetadata: 1}

func (k operationKind) String() string { return enum.Name(k, operationNames[:], "operation") }

// writes reports whether the operation changes state (snapshot reads refuse it).
func (k operationKind) writes() bool {
	return k == operationCreate || k == operationMint || k == operationBurn || k == operationTransfer
}

// operation is one decoded operation; fields unused by its kind are empty.
type operation struct {
	kind     operationKind
	token    string
	symbol   string // create
	decimals int    // create
	from     string // burn, transfer
	to       string // mint, transfer
	account  string // balance
	amount   string // mint, burn, transfer: decimal text
}

// encode returns the operation's wire form.
func (o operation) encode() []byte {
	items := []value.Value{value.String(o.kind.String()), value.String(o.token)}
	switch o.kind {
	case operationCreate:
		items = append(items, value.String(o.symbol), value.Int(int64(o.decimals)))
	case operationMint:
		items = append(items, value.String(o.to), value.String(o.amount))
	case operationBurn:
		items = append(items, value.String(o.from), value.String(o.amount))
	case operationTransfer:
		items = append(items, value.String(o.from), value.String(o.to), value.String(o.amount))
	case operationBalance:
		items = append(items, value.String(o.account))
	}
	return value.Append(nil, value.List(items...))
}

// decodeOperation decodes an operation's wire form. Bad input returns a
// CodeInvalid refusal naming what was wrong, never a panic.
func decodeOperation(data []byte) (operation, error) {
	v, err := value.Decode(data)
	if err != nil {
		return operation{}, engines.Refuse(engines.CodeInvalid, "resource: bad operation: %v", err)
	}
	if v.Kind() != value.KindList || v.Len() == 0 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "resource: bad operation: want a list starting with a name, got %v", v.Kind())
	}
	name, ok := v.Index(0).AsString()
	kind := operationKindNamed(name)
	if !ok || kind == 0 {
		return operation{}, engines.Refuse(engines.CodeInvalid, "resource: bad operation: unknown name %v", v.Index(0))
	}
	if v.Len() != 1+operationArgumentCounts[kind] {
		return operation{}, engines.Refuse(engines.CodeInvalid, "resource: bad operation: %s takes %d arguments, got %d",
			kind, operationArgumentCounts[kind], v.Len()-1)
	}
	return decodeArguments(kind, v)
}

func operationKindNamed(name string) operationKind {
	for kind := operationCreate; kind < operationKindEnd; kind++ {
		if operationNames[kind] == name {
			return kind
		}
	}
	return 0
}

// decodeArguments fills an operation of kind from the list value.
// Requires: value has the right number of elements for kind.
func decodeArguments(kind operationKind, value value.Value) (operation, error) {
	texts := make([]string, value.Len())
	for i := 1; i < value.Len(); i++ {
		if kind == operationCreate && i == 3 {
			continue
		}
		text, ok := value.Index(i).AsString()
		if !ok {
			return operation{}, engines.Refuse(engines.CodeInvalid, "resource: bad operation: %s argument %d is %v, want a string",
				kind, i, value.Index(i).Kind())
		}
		texts[i] = text
	}
	o := operation{kind: kind, token: texts[1]}
	switch kind {
	case operationCreate:
		decimals, ok := value.Index(3).AsInt()
		if !ok || decimals < 0 || decimals > DecimalsMax {
			return operation{}, engines.Refuse(engines.CodeInvalid, "resource: create %q: decimals %v, want an int in 0..%d",
				o.token, value.Index(3), DecimalsMax)
		}
		o.symbol, o.decimals = texts[2], int(decimals)
	case operationMint:
		o.to, o.amount = texts[2], texts[3]
	case operationBurn:
		o.from, o.amount = texts[2], texts[3]
	case operationTransfer:
		o.from, o.to, o.amount = texts[2], texts[3], texts[4]
	case operationBalance:
		o.account = texts[2]
	}
	return o, nil
}

// In-place decoding. Apply and Read decode the common operations (all but
// create) straight from the wire bytes, without building value.Value
// lists; anything that is not in the exact canonical shape falls back to
// decodeOperation, which accepts or explains it.

// valueTagString and valueTagList are the value encoding's tags, taken
// from the codec itself.
var (
	valueTagString = value.Append(nil, value.String(""))[0]
	valueTagList   = value.Append(nil, value.List())[0]
)

// operationArgumentsMax is the largest operationArgumentCounts entry.
const operationArgumentsMax = 4

// operationView is an operation decoded in place: arguments alias the
// operation bytes, in wire order.
type operationView struct {
	kind      operationKind
	arguments [operationArgumentsMax][]byte
}

// scanOperation decodes data in place when it is a canonical list of
// strings naming an operation other than create with the right number of
// arguments; ok is false otherwise.
func scanOperation(data []byte) (view operationView, ok bool) {
	scanner := byteScanner{data: data}
	if !scanner.tag(valueTagList) {
		return operationView{}, false
	}
	count, ok := scanner.uvarint()
	name, nameOK := scanner.text()
	if !ok || !nameOK {
		return operationView{}, false
	}
	view.kind = operationKindNamedBytes(name)
	if view.kind == 0 || view.kind == operationCreate || count != uint64(1+operationArgumentCounts[view.kind]) {
		return operationView{}, false
	}
	for i := range operationArgumentCounts[view.kind] {
		if view.arguments[i], ok = scanner.text(); !ok {
			return operationView{}, false
		}
	}
	return view, scanner.position == len(data)
}

func operationKindNamedBytes(name []byte) operationKind {
	for kind := operationCreate; kind < operationKindEnd; kind++ {
		if operationNames[kind] == string(name) {
			return kind
		}
	}
	return 0
}

// byteScanner reads canonical value encodings in place.
// Invariant: position <= len(data).
type byteScanner struct {
	data     []byte
	position int
}

func (s *byteScanner) tag(want byte) bool {
	if s.position < len(s.data) && s.data[s.position] == want {
		s.position++
		return true
	}
	return false
}

// uvarint reads a minimal uvarint.
func (s *byteScanner) uvarint() (uint64, bool) {
	number, width := binary.Uvarint(s.data[s.position:])
	if width <= 0 || (width > 1 && s.data[s.position+width-1] == 0) {
		return 0, false
	}
	s.position += width
	return number, true
}

// text reads a String value.
func (s *byteScanner) text() ([]byte, bool) {
	if !s.tag(valueTagString) {
		return nil, false
	}
	length, ok := s.uvarint()
	if !ok || length > uint64(len(s.data)-s.position) {
		return nil, false
	}
	text := s.data[s.position : s.position+int(length)]
	s.position += int(length)
	return text, true
}

// Results.

// nullResult is the encoded Null answer, shared: its capacity is its
// length, so an append by a caller copies it.
var nullResult = value.Append(nil, value.Null())[:1:1]

func encodeNullResult() []byte { return nullResult }

func encodeAmountResult(a Amount) []byte {
	return value.Append(nil, value.String(a.String()))
}

func encodeMetadataResult(m Metadata) []byte {
	return value.Append(nil, value.List(value.String(m.Symbol), value.Int(int64(m.Decimals))))
}
