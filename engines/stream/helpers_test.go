package stream

import "github.com/proven2pc/proven/internal/enginetest"

// txnID and timestamp return test transaction n (smaller n is older) and
// test timestamp n (prepare, commit, snapshot).
var txnID, timestamp = enginetest.TxnID, enginetest.Timestamp

// formatOutcome prints an outcome compactly: `done [1 "x"]`,
// `blocked on [2 3] until finished`, `failed invalid: ...`.
var formatOutcome = enginetest.ValueOutcome
