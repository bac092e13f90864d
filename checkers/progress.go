package checkers

import (
	"fmt"
	"time"
)

// ProgressConfig configures CheckProgress.
type ProgressConfig struct {
	// CalmFromNanos is when the calm phase began (virtual time): the
	// faults had healed and no transaction was in flight. Operations
	// invoked from then on are judged.
	CalmFromNanos int64
	// LongWaitNanos is how long a calm transaction may take before its
	// deadline abort needs a cause: something it overlapped ran that long
	// too. Calm transactions take milliseconds, so their timeouts should
	// be well above it (the harness gives them at least twice as long).
	LongWaitNanos int64
}

// CheckProgress checks that the system makes progress when nothing stops
// it: in the calm phase (see ProgressConfig), every read-write
// transaction (an operation with a transaction id) commits, or fails for
// a cause the history justifies, by its Event.Error:
//   - refused or client: the engine or the client said no (a domain
//     outcome, always justified);
//   - wounded or conflict: only under contention, when another calm
//     operation overlapped it in time;
//   - deadline: a transaction that ran shorter than LongWaitNanos chose
//     its own short timeout; one that waited longer is justified only by
//     another calm operation, invoked before it and not itself a deadline
//     abort, that was still running LongWaitNanos/2 after it began (the
//     wait it may have been stuck behind). Otherwise an operation that
//     should have been retried once its blocker finished was lost, and
//     the transaction waited for its deadline in vain;
//   - indeterminate: never (with no fault, the coordinator learns every
//     outcome).
//
// Aborts before the calm phase are justified by the faults. Reads are not
// judged: a snapshot from a client whose clock runs ahead rightly waits
// for the log to reach it.
func CheckProgress(history History, config ProgressConfig) (Result, error) {
	if err := history.Validate(); err != nil {
		return Result{}, err
	}
	var calm []Operation
	for _, operation := range history.Operations() {
		if operation.InvokeTimeNanos >= config.CalmFromNanos {
			calm = append(calm, operation)
		}
	}
	var found findings
	for i, operation := range calm {
		if operation.Txn == "" {
			continue
		}
		switch {
		case operation.Error == ErrorIndeterminate:
			found.add("indeterminate-when-calm", fmt.Sprintf("%s: outcome unknown in the calm phase, with no fault", operation.Describe()),
				operation.InvokeIndex)
		case operation.Type != TypeFail:
		case operation.Error == ErrorWounded || operation.Error == ErrorConflict:
			if !overlapsAnother(calm, i) {
				found.add("abort-without-contention", fmt.Sprintf("%s: aborted (%s) in the calm phase, though no other operation ran beside it",
					operation.Describe(), operation.Error), operation.InvokeIndex)
			}
		case operation.Error == ErrorDeadline:
			waited := operation.CompleteTimeNanos - operation.InvokeTimeNanos
			if waited >= config.LongWaitNanos && !outlivedBy(calm, i, config.LongWaitNanos/2) {
				found.add("lost-progress", fmt.Sprintf("%s: waited %v in the calm phase until its deadline, though nothing it overlapped ran longer than %v: a wake-up was lost",
					operation.Describe(), time.Duration(waited), time.Duration(config.LongWaitNanos/2)), operation.InvokeIndex)
			}
		}
	}
	return found.result("progress"), nil
}

// overlapsAnother reports whether some other operation of operations
// overlaps operations[i] in time.
func overlapsAnother(operations []Operation, i int) bool {
	target := operations[i]
	for j, other := range operations {
		if j != i && other.InvokeTimeNanos <= target.CompleteTimeNanos && target.InvokeTimeNanos <= other.CompleteTimeNanos {
			return true
		}
	}
	return false
}

// outlivedBy reports whether some other operation, invoked no later than
// operations[i] and not itself a deadline abort, was still running span
// after operations[i] began.
func outlivedBy(operations []Operation, i int, span int64) bool {
	target := operations[i]
	for j, other := range operations {
		if j == i || other.InvokeTimeNanos > target.InvokeTimeNanos || (other.Type == TypeFail && other.Error == ErrorDeadline) {
			continue
		}
		if other.CompleteTimeNanos >= target.InvokeTimeNanos+span {
			return true
		}
	}
	return false
}
