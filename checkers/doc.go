// Package checkers holds the history type that workloads record and the
// checkers that judge it.
//
// What it models: a Jepsen-style history, an ordered list of events (index,
// process, type invoke/ok/fail/info, function, key, value, virtual time,
// transaction id and commit timestamp where known, a read-only
// transaction's snapshot, and why a fail or info ended: Event.Error). An ok operation took
// effect, a fail one certainly did not, an info one may have; an info
// operation stays open to the end of the history and its process never
// invokes again. Histories export as JSON lines (as recorded) and as EDN
// in the shapes Elle and Knossos read (WriteEDN: failed completions carry
// their invoke's value, a cas completes with [old new], registers on
// several keys are Jepsen's independent [key value] tuples; OfKey gives
// one key's history for one file per register), and read back from
// either, whoever wrote them: ReadEDN
// (Jepsen's history.edn, Elle's and Knossos's test data), ReadJSONLines
// (typed or plain JSON values), ReadHistory (either, told apart by the
// first characters). Bad text is an *InputError naming the line and
// column; History.Locate places a checker's malformed-history error at
// its operation in the text.
//
// The checkers, each returning a Result with a Verdict (ok, illegal or
// unknown), an explanation naming the operations involved (history index,
// process, transaction) and the anomaly names:
//   - CheckLinearizable: per key, against a register, queue or account
//     model, with porcupine. A step budget, not a wall-clock timeout, bounds
//     the search, so the verdict never depends on machine speed; a key that
//     exhausts it makes the verdict unknown, which is not a pass.
//   - CheckListAppend: serializability and strict serializability of
//     list-append transactions (Elle's model), both verdicts from one call.
//     Each key's version order is the longest read; appends no read shows
//     come after it (as Elle places them). ww, wr, rw edges (and real-time
//     edges for the strict verdict), Tarjan components and a shortest cycle
//     in each, named G0, G1c, G-single or G2-item ("-realtime" when the
//     cycle needs a real-time edge); plus G1a, G1b, dirty-update, internal,
//     future-read, duplicate-elements, garbage-read, incompatible-order and
//     lost-update. The verdicts are exact: ok means a serial order exists.
//     Result.Cycles holds each cycle's edges, for drawing.
//   - CheckListAppendSnapshots: the same with read-only transactions
//     ("ro-txn"), without real-time edges for them: each snapshot must
//     observe a prefix of a serial order (Fekete's read-only anomaly).
//   - CheckCommitOrder: the commit timestamps order the history serially.
//     SerialOrder places every committed transaction at its commit
//     timestamp and every read-only one at its snapshot; the check
//     replays them in that order against a model of lists, registers,
//     counters and FIFO queues and compares every result (a stale read,
//     a snapshot that is no prefix, a dequeue that skipped an enqueue
//     committed first). Workloads with a model of their own (SQL tables)
//     replay SerialOrder themselves.
//   - CheckProgress: in the calm phase after healing, every transaction
//     commits or fails for a cause the history justifies (Event.Error:
//     wounded or conflict need contention, a long wait until the deadline
//     needs something that ran as long, an unknown outcome never).
//   - CheckUniqueRequests: each request id appears at most once in each
//     stream's log.
//   - CheckBankTotals, CheckTokenSupply, CheckQueueDelivery: conservation.
//   - VisualizeLinearizable draws each key's check with porcupine's
//     visualization (the longest linearizable prefix, the operation at
//     which none continues), for the view package's pages.
//   - ReadJepsenEtcdLog and ReadJepsenKVLog read the Jepsen logs that
//     porcupine ships (not EDN).
//
// Contract: histories must pass History.Validate; a malformed history is an
// error wrapping ErrMalformedHistory, never a panic. Values inside micro-ops
// and queue elements must be unique where the checker says so.
//
// Invariants: every output is a pure function of the history and the
// config: keys and components are visited in sorted order, the step budget
// counts model steps of one key at a time (porcupine runs each check on its
// own goroutine, so the budget makes steps fail once spent instead of
// unwinding by panic, and the verdict is then overridden to unknown).
//
// What it does not do: atomicity against stream-log ground truth and
// liveness after healing are not here yet. The linearizability check stops
// at the first illegal key. The list-append checker tries a bounded number
// of rw edges when looking for a G-single cycle in a large component
// (SingleRWTriesMax; a component where none is found in time is named
// G2-item, so the verdict never depends on it), and draws an rw edge from
// every reader of a key's whole version order to every append no read
// shows, which is quadratic in the worst case. CheckQueueDelivery's FIFO
// check is quadratic in the dequeues of one queue. The readers take what
// the four models need from EDN: no ratios, no #inst semantics (a tagged
// form is read as its form), Knossos's multi-register maps are not
// registers.
//
// How it is tested: datadriven scenarios in testdata/progress,
// testdata/commitorder, testdata/snapshots and testdata/requests show each
// finding of the campaign checks and what they accept; a rapid property
// checks that CheckCommitOrder accepts every serial execution of list,
// register, counter and queue transactions in any history order and
// catches any one changed result; every published verdict of the Jepsen
// etcd and key-value histories shipped in porcupine's test_data is reproduced
// (jepsen_test.go); datadriven scenarios in testdata/listappend show each
// anomaly in both modes; a rapid property checks both list-append verdicts
// against a brute-force search over serial orders on small random
// histories (listappend_bruteforce_test.go; .ci/run runs it at a million
// histories); datadriven scenarios in testdata/read read EDN and JSON lines
// (and name the line and column of bad input), and a fuzz test feeds the
// readers and checkers arbitrary bytes; edn_test.go parses what WriteEDN
// writes back into raw EDN forms and checks each Jepsen shape (and
// cmd/proven's tests do for every workload's export); others check that serial list-append executions are ok,
// that swapping a dependent pair in real time is caught, and that checking
// each read only past its key's verified list (the longest clean read so
// far) reports exactly what checking every element would; benchmarks
// check 100k-operation histories.
package checkers
