package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/proven2pc/proven/clock"
)

// model is the dumb reference the rapid test compares the store against: a
// map from key to its versions (ascending timestamps) and a map from
// transaction to its intents. Everything is a linear search.
type model struct {
	versions     map[string][]modelVersion
	transactions map[TxnID]*modelTransaction
	watermark    clock.Timestamp
}

type modelVersion struct {
	timestamp clock.Timestamp
	value     []byte // nil = tombstone
}

type modelTransaction struct {
	prepared         bool
	prepareTimestamp clock.Timestamp
	intents          map[string][]byte // nil value = delete
}

type modelResult struct {
	value   []byte
	found   bool
	blocker TxnID
	err     error // sentinel class
}

type keyValue struct {
	Key, Value string
}

func newModel() *model {
	return &model{versions: map[string][]modelVersion{}, transactions: map[TxnID]*modelTransaction{}}
}

func (m *model) clone() *model {
	out := newModel()
	out.watermark = m.watermark
	for _, key := range slices.Sorted(maps.Keys(m.versions)) {
		out.versions[key] = slices.Clone(m.versions[key])
	}
	for _, id := range slices.SortedFunc(maps.Keys(m.transactions), TxnID.Compare) {
		record := *m.transactions[id]
		record.intents = maps.Clone(record.intents)
		out.transactions[id] = &record
	}
	return out
}

func (m *model) write(txn TxnID, key string, value []byte) error {
	if txn.IsZero() {
		return ErrInvalidTransaction
	}
	record := m.transactions[txn]
	if record != nil && record.prepared {
		return ErrTransactionPrepared
	}
	if record == nil {
		record = &modelTransaction{intents: map[string][]byte{}}
		m.transactions[txn] = record
	}
	record.intents[key] = value
	return nil
}

func (m *model) prepare(txn TxnID, prepareTimestamp clock.Timestamp) error {
	record := m.transactions[txn]
	switch {
	case record == nil:
		return ErrUnknownTransaction
	case prepareTimestamp.IsZero() || prepareTimestamp == MaxTimestamp:
		return ErrInvalidTimestamp
	case record.prepared && record.prepareTimestamp == prepareTimestamp:
		return nil
	case record.prepared:
		return ErrTransactionPrepared
	}
	record.prepared, record.prepareTimestamp = true, prepareTimestamp
	return nil
}

func (m *model) commit(txn TxnID, commitTimestamp clock.Timestamp) error {
	record := m.transactions[txn]
	switch {
	case record == nil:
		return ErrUnknownTransaction
	case commitTimestamp.IsZero() || commitTimestamp == MaxTimestamp:
		return ErrInvalidTimestamp
	case record.prepared && commitTimestamp.Less(record.prepareTimestamp):
		return ErrCommitBeforePrepare
	case !m.watermark.Less(commitTimestamp):
		return ErrCommitBelowWatermark
	}
	for key := range record.intents {
		history := m.versions[key]
		if len(history) > 0 && !history[len(history)-1].timestamp.Less(commitTimestamp) {
			return ErrWriteTooOld
		}
	}
	for _, key := range slices.Sorted(maps.Keys(record.intents)) {
		m.versions[key] = append(m.versions[key], modelVersion{timestamp: commitTimestamp, value: record.intents[key]})
	}
	delete(m.transactions, txn)
	return nil
}

func (m *model) abort(txn TxnID) error {
	if m.transactions[txn] == nil {
		return ErrUnknownTransaction
	}
	delete(m.transactions, txn)
	return nil
}

func (m *model) gc(watermark clock.Timestamp) {
	if !m.watermark.Less(watermark) {
		return
	}
	m.watermark = watermark
	for _, key := range slices.Sorted(maps.Keys(m.versions)) {
		history := m.versions[key]
		newestAtOrBelow := -1
		for index, v := range history {
			if !watermark.Less(v.timestamp) {
				newestAtOrBelow = index
			}
		}
		if newestAtOrBelow < 0 {
			continue
		}
		keepFrom := newestAtOrBelow
		if history[newestAtOrBelow].value == nil {
			keepFrom++
		}
		history = history[keepFrom:]
		if len(history) == 0 {
			delete(m.versions, key)
		} else {
			m.versions[key] = history
		}
	}
}

func (m *model) get(key string, at clock.Timestamp, txn TxnID) modelResult {
	if at.Less(m.watermark) {
		return modelResult{err: ErrBelowWatermark}
	}
	if record := m.transactions[txn]; !txn.IsZero() && record != nil {
		if value, ok := record.intents[key]; ok {
			return modelResult{value: value, found: value != nil}
		}
	}
	for _, id := range slices.SortedFunc(maps.Keys(m.transactions), TxnID.Compare) {
		record := m.transactions[id]
		if _, ok := record.intents[key]; ok && record.prepared && !at.Less(record.prepareTimestamp) {
			return modelResult{blocker: id, err: ErrBlocked}
		}
	}
	history := m.versions[key]
	for index := len(history) - 1; index >= 0; index-- {
		if !at.Less(history[index].timestamp) {
			value := history[index].value
			return modelResult{value: value, found: value != nil}
		}
	}
	return modelResult{}
}

func (m *model) scan(opts ScanOptions) ([]keyValue, modelResult) {
	keySet := map[string]bool{}
	for key := range m.versions {
		keySet[key] = true
	}
	for _, record := range m.transactions {
		for key := range record.intents {
			keySet[key] = true
		}
	}
	keys := slices.Sorted(maps.Keys(keySet))
	if opts.Reverse {
		slices.Reverse(keys)
	}
	var out []keyValue
	if opts.At.Less(m.watermark) {
		return nil, modelResult{err: ErrBelowWatermark}
	}
	for _, key := range keys {
		if bytes.Compare([]byte(key), opts.Start) < 0 || (opts.End != nil && bytes.Compare([]byte(key), opts.End) >= 0) {
			continue
		}
		result := m.get(key, opts.At, opts.Txn)
		if result.err != nil {
			result.value = []byte(key)
			return out, result
		}
		if result.found {
			out = append(out, keyValue{key, string(result.value)})
			if opts.Limit > 0 && len(out) >= opts.Limit {
				break
			}
		}
	}
	return out, modelResult{}
}

// dump lists the model's whole state in the store's order.
func (m *model) dump() []string {
	var lines []string
	for _, key := range slices.Sorted(maps.Keys(m.versions)) {
		history := m.versions[key]
		for index := len(history) - 1; index >= 0; index-- {
			lines = append(lines, fmt.Sprintf("version %q@%v %s", key, history[index].timestamp, showValue(history[index].value)))
		}
	}
	var intents []string
	for _, id := range slices.SortedFunc(maps.Keys(m.transactions), TxnID.Compare) {
		record := m.transactions[id]
		lines = append(lines, fmt.Sprintf("txn %v prepared=%v at %v", id, record.prepared, record.prepareTimestamp))
		for key, value := range record.intents {
			intents = append(intents, fmt.Sprintf("intent %q txn %v %s", key, id, showValue(value)))
		}
	}
	slices.Sort(intents)
	lines = append(lines, intents...)
	return append(lines, fmt.Sprintf("watermark %v", m.watermark))
}

// dumpStore lists the store's whole state in the same format as model.dump.
func dumpStore(s *Store) []string {
	var lines []string
	s.versions.Ascend(func(v version) bool {
		lines = append(lines, fmt.Sprintf("version %q@%v %s", v.key(), v.timestamp, showValue(v.value())))
		return true
	})
	for _, id := range slices.SortedFunc(maps.Keys(s.transactions), TxnID.Compare) {
		record := s.transactions[id]
		lines = append(lines, fmt.Sprintf("txn %v prepared=%v at %v", id, record.prepared, record.prepareTimestamp))
	}
	var intents []string
	s.intents.Ascend(func(it intent) bool {
		intents = append(intents, fmt.Sprintf("intent %q txn %v %s", it.key(), it.txn, showValue(it.value())))
		return true
	})
	slices.Sort(intents)
	lines = append(lines, intents...)
	return append(lines, fmt.Sprintf("watermark %v", s.watermark))
}

func showValue(value []byte) string {
	if value == nil {
		return "tombstone"
	}
	return fmt.Sprintf("=%q", value)
}

// sentinels are the error classes the model predicts.
var sentinels = []error{
	ErrBlocked, ErrBelowWatermark, ErrUnknownTransaction, ErrTransactionPrepared,
	ErrInvalidTransaction, ErrInvalidTimestamp, ErrCommitBeforePrepare,
	ErrCommitBelowWatermark, ErrWriteTooOld,
}

func errorClass(err error) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return sentinel
		}
	}
	return err
}
