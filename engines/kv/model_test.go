package kv

import (
	"maps"
	"slices"
	"strings"

	"github.com/proven2pc/proven/engines"
)

// model is the serial reference: a plain map from key to value, with
// operations applied one at a time.
type model map[string]engines.Value

// apply runs operation on the model and returns the encoded result the
// engine must give.
func (m model) apply(operation Operation) []byte {
	var result engines.Value
	switch operation.Kind {
	case OperationGet:
		result = engines.List()
		if value, ok := m[operation.Key]; ok {
			result = engines.List(value)
		}
	case OperationPut:
		m[operation.Key] = operation.Value
		result = engines.Null()
	case OperationDelete:
		_, existed := m[operation.Key]
		delete(m, operation.Key)
		result = engines.Bool(existed)
	default:
		var pairs []engines.Value
		for _, key := range m.scanKeys(operation) {
			pairs = append(pairs, engines.List(engines.Bytes([]byte(key)), m[key]))
		}
		result = engines.List(pairs...)
	}
	return engines.AppendValue(nil, result)
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
