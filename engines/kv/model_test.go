package kv

import (
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/engines/value"
)

// model is the serial reference: a plain map from key to value, with
// operations applied one at a time.
type model map[string]value.Value

// apply runs operation on the model and returns the encoded result the
// engine must give.
func (m model) apply(operation Operation) []byte {
	var result value.Value
	switch operation.Kind {
	case OperationGet:
		result = value.List()
		if v, ok := m[operation.Key]; ok {
			result = value.List(v)
		}
	case OperationPut:
		m[operation.Key] = operation.Value
		result = value.Null()
	case OperationDelete:
		_, existed := m[operation.Key]
		delete(m, operation.Key)
		result = value.Bool(existed)
	default:
		var pairs []value.Value
		for _, key := range m.scanKeys(operation) {
			pairs = append(pairs, value.List(value.Bytes([]byte(key)), m[key]))
		}
		result = value.List(pairs...)
	}
	return value.Append(nil, result)
}

// scanKeys returns the keys a scan delivers, in scan order, limit applied.
func (m model) scanKeys(operation Operation) []string {
	var keys []string
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if scanSelects(operation, key) {
			keys = append(keys, key)
		}
	}
	if operation.Reverse {
		slices.Reverse(keys)
	}
	if operation.Limit > 0 && len(keys) > operation.Limit {
		keys = keys[:operation.Limit]
	}
	return keys
}

// scanSelects says whether a scan's range holds key, computed directly
// from the operation rather than through keySpan.
func scanSelects(operation Operation, key string) bool {
	if operation.Kind == OperationScanPrefix {
		return strings.HasPrefix(key, operation.Prefix)
	}
	return key >= operation.Start && (operation.EndUnbounded || key < operation.End)
}

func (m model) clone() model { return maps.Clone(m) }
