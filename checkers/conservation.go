package checkers

import (
	"fmt"
	"slices"

	"github.com/proven2pc/proven/engines/value"
)

// CheckBankTotals checks that every committed read of all accounts (an ok
// operation of readFunction whose value is a Map of account to Int balance)
// sums to total.
func CheckBankTotals(history History, readFunction string, total int64) (Result, error) {
	var found findings
	err := eachOK(history, readFunction, func(operation Operation) error {
		sum, err := sumBalances(operation, "")
		if err != nil {
			return err
		}
		if sum != total {
			found.add("bank-total", fmt.Sprintf("%s read balances summing to %d, not %d: %v", operation.Describe(), sum, total, operation.Output), operation.InvokeIndex)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return found.result("bank"), nil
}

// CheckTokenSupply checks that every committed audit (an ok operation of
// auditFunction whose value is a Map of account to Int balance plus the
// entry supplyKey) has the supply equal to the sum of the balances.
func CheckTokenSupply(history History, auditFunction, supplyKey string) (Result, error) {
	var found findings
	err := eachOK(history, auditFunction, func(operation Operation) error {
		supplyValue, present := operation.Output.MapGet(supplyKey)
		supply, isInt := supplyValue.AsInt()
		if !present || !isInt {
			return malformed(operation.InvokeIndex, "audit %v has no Int %q entry", operation.Output, supplyKey)
		}
		sum, err := sumBalances(operation, supplyKey)
		if err != nil {
			return err
		}
		if sum != supply {
			found.add("token-supply", fmt.Sprintf("%s saw supply %d but balances summing to %d", operation.Describe(), supply, sum), operation.InvokeIndex)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return found.result("token-supply"), nil
}

// eachOK validates history, then calls check on each ok operation of
// function in invocation order, stopping at the first error.
func eachOK(history History, function string, check func(Operation) error) error {
	if err := history.Validate(); err != nil {
		return err
	}
	for _, operation := range history.Operations() {
		if operation.Type != TypeOK || operation.Function != function {
			continue
		}
		if err := check(operation); err != nil {
			return err
		}
	}
	return nil
}

func sumBalances(operation Operation, skipKey string) (int64, error) {
	var sum int64
	for _, entry := range operation.Output.MapEntries() {
		if entry.Key == skipKey {
			continue
		}
		balance, ok := entry.Value.AsInt()
		if !ok {
			return 0, malformed(operation.InvokeIndex, "balance of %q is %v, not an Int", entry.Key, entry.Value)
		}
		sum += balance
	}
	if operation.Output.Kind() != value.KindMap && !operation.Output.IsNull() {
		return 0, malformed(operation.InvokeIndex, "balances %v are not a Map", operation.Output)
	}
	return sum, nil
}

// CheckQueueDelivery checks, per queue (Event.Key), that every element an
// ok dequeue returned was enqueued on that queue by an ok or info enqueue,
// that no element is dequeued twice, and FIFO order: when enqueue(a)
// completed before enqueue(b) was invoked, dequeue(b) does not complete
// before dequeue(a) is invoked. A dequeue returning Null found the queue
// empty. Elements must be unique per queue.
func CheckQueueDelivery(history History) (Result, error) {
	if err := history.Validate(); err != nil {
		return Result{}, err
	}
	type elementKey struct{ queue, element string }
	enqueues := map[elementKey]Operation{}
	dequeues := map[elementKey]Operation{}
	var found findings
	var dequeued []elementKey
	for _, operation := range history.Operations() {
		key := elementKey{operation.Key, operation.Input.String()}
		switch {
		case operation.Function == FunctionEnqueue && operation.Type != TypeFail:
			if previous, exists := enqueues[key]; exists {
				return Result{}, malformed(operation.InvokeIndex, "element %s enqueued on %q twice (also op %d)", key.element, key.queue, previous.InvokeIndex)
			}
			enqueues[key] = operation
		case operation.Function == FunctionDequeue && operation.Type == TypeOK && !operation.Output.IsNull():
			key.element = operation.Output.String()
			if previous, exists := dequeues[key]; exists {
				found.add("duplicate-dequeue", fmt.Sprintf("%s and %s both dequeued %s from %q", previous.Describe(), operation.Describe(), key.element, key.queue), previous.InvokeIndex, operation.InvokeIndex)
				continue
			}
			dequeues[key] = operation
			dequeued = append(dequeued, key)
		}
	}
	for _, key := range dequeued {
		dequeue := dequeues[key]
		enqueue, exists := enqueues[key]
		if !exists {
			found.add("unexpected-dequeue", fmt.Sprintf("%s dequeued %s from %q, never enqueued there", dequeue.Describe(), key.element, key.queue), dequeue.InvokeIndex)
			continue
		}
		for _, other := range dequeued {
			otherEnqueue, otherExists := enqueues[other]
			otherDequeue := dequeues[other]
			if other.queue != key.queue || !otherExists || enqueue.Type != TypeOK {
				continue
			}
			if enqueue.CompleteTimeNanos < otherEnqueue.InvokeTimeNanos && otherDequeue.CompleteTimeNanos < dequeue.InvokeTimeNanos {
				found.add("fifo-order", fmt.Sprintf("%s enqueued %s before %s enqueued %s, but %s dequeued it after %s",
					enqueue.Describe(), key.element, otherEnqueue.Describe(), other.element, dequeue.Describe(), otherDequeue.Describe()),
					enqueue.InvokeIndex, otherEnqueue.InvokeIndex, dequeue.InvokeIndex, otherDequeue.InvokeIndex)
			}
		}
	}
	found.operations = slices.Clone(found.operations)
	return found.result("queue"), nil
}
