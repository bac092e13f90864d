package processor_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// The KV, Queue and Resource engines' specs (the Stream engine's is in
// engines_stream_test.go): operation drawers, typed-client adapters and
// serial models.

func TestKVThroughProcessor(t *testing.T)       { checkThroughProcessor(t, kvSpec()) }
func TestQueueThroughProcessor(t *testing.T)    { checkThroughProcessor(t, queueSpec()) }
func TestResourceThroughProcessor(t *testing.T) { checkThroughProcessor(t, resourceSpec()) }

func found(value value.Value, ok bool) string {
	if !ok {
		return "none"
	}
	return "value " + value.String()
}

func ok(err error) (string, error) { return "ok", err }

// KV: four keys under two prefixes, so prefix scans conflict with some
// writes and not others.

var kvKeys = []string{"a1", "a2", "b1", "b2"}

func kvSpec() *engineSpec {
	return &engineSpec{
		restore: kv.Restore,
		draw: func(t *rapid.T, value int64) []string {
			key := rapid.SampledFrom(kvKeys).Draw(t, "key")
			switch kind := rapid.IntRange(0, 9).Draw(t, "kind"); {
			case kind <= 3:
				return []string{"get", key}
			case kind <= 6:
				return []string{"put", key, strconv.FormatInt(value, 10)}
			case kind == 7:
				return []string{"delete", key}
			default:
				return []string{"scan", rapid.SampledFrom([]string{"a", "b", ""}).Draw(t, "prefix")}
			}
		},
		probes:   [][]string{{"scan", ""}},
		newModel: func() serialModel { return kvModel{} },
		run:      runKV,
	}
}

func runKV(executor engines.Executor, fields []string) (string, error) {
	client, ctx := kv.New(executor, memStream), context.Background()
	switch fields[0] {
	case "get":
		value, exists, err := client.Get(ctx, fields[1])
		return found(value, exists), err
	case "put":
		number, _ := strconv.ParseInt(fields[2], 10, 64)
		return ok(client.PutInt(ctx, fields[1], number))
	case "delete":
		existed, err := client.Delete(ctx, fields[1])
		return fmt.Sprintf("existed %t", existed), err
	default:
		pairs, err := client.Scan(ctx, kv.ScanOptions{Prefix: scanPrefix(fields)})
		var texts []string
		for _, pair := range pairs {
			texts = append(texts, pair.Key+"="+pair.Value.String())
		}
		return "pairs " + strings.Join(texts, " "), err
	}
}

func scanPrefix(fields []string) string {
	if len(fields) < 2 {
		return ""
	}
	return fields[1]
}

type kvModel map[string]value.Value

func (m kvModel) apply(fields []string) string {
	switch fields[0] {
	case "get":
		value, exists := m[fields[1]]
		return found(value, exists)
	case "put":
		number, _ := strconv.ParseInt(fields[2], 10, 64)
		m[fields[1]] = value.Int(number)
		return "ok"
	case "delete":
		_, existed := m[fields[1]]
		delete(m, fields[1])
		return fmt.Sprintf("existed %t", existed)
	default:
		var texts []string
		for _, key := range slices.Sorted(maps.Keys(m)) {
			if strings.HasPrefix(key, scanPrefix(fields)) {
				texts = append(texts, key+"="+m[key].String())
			}
		}
		return "pairs " + strings.Join(texts, " ")
	}
}

// Queue: two queues.

var queueNames = []string{"q1", "q2"}

func queueSpec() *engineSpec {
	return &engineSpec{
		restore: queue.Restore,
		draw: func(t *rapid.T, value int64) []string {
			name := rapid.SampledFrom(queueNames).Draw(t, "queue")
			switch kind := rapid.IntRange(0, 19).Draw(t, "kind"); {
			case kind <= 8:
				return []string{"enqueue", name, strconv.FormatInt(value, 10)}
			case kind <= 13:
				return []string{"dequeue", name}
			case kind <= 15:
				return []string{"peek", name}
			case kind <= 17:
				return []string{"size", name}
			case kind == 18:
				return []string{"is-empty", name}
			default:
				return []string{"clear", name}
			}
		},
		probes:   [][]string{{"size", "q1"}, {"size", "q2"}, {"dequeue", "q1"}, {"dequeue", "q2"}},
		newModel: func() serialModel { return queueModel{} },
		run:      runQueue,
	}
}

func runQueue(executor engines.Executor, fields []string) (string, error) {
	client, ctx := queue.New(executor, memStream), context.Background()
	switch fields[0] {
	case "enqueue":
		number, _ := strconv.ParseInt(fields[2], 10, 64)
		return ok(client.Enqueue(ctx, fields[1], value.Int(number)))
	case "dequeue":
		value, exists, err := client.Dequeue(ctx, fields[1])
		return found(value, exists), err
	case "peek":
		value, exists, err := client.Peek(ctx, fields[1])
		return found(value, exists), err
	case "size":
		size, err := client.Size(ctx, fields[1])
		return fmt.Sprintf("size %d", size), err
	case "is-empty":
		empty, err := client.IsEmpty(ctx, fields[1])
		return fmt.Sprintf("empty %t", empty), err
	default:
		return ok(client.Clear(ctx, fields[1]))
	}
}

type queueModel map[string][]value.Value

func (m queueModel) apply(fields []string) string {
	items := m[fields[1]]
	switch fields[0] {
	case "enqueue":
		number, _ := strconv.ParseInt(fields[2], 10, 64)
		m[fields[1]] = append(items, value.Int(number))
		return "ok"
	case "dequeue":
		if len(items) == 0 {
			return "none"
		}
		m[fields[1]] = items[1:]
		return found(items[0], true)
	case "peek":
		if len(items) == 0 {
			return "none"
		}
		return found(items[0], true)
	case "size":
		return fmt.Sprintf("size %d", len(items))
	case "is-empty":
		return fmt.Sprintf("empty %t", len(items) == 0)
	default:
		delete(m, fields[1])
		return "ok"
	}
}

// Resource: one token with two decimals, four accounts with small
// balances so that debits are sometimes insufficient.

const (
	resourceToken    = "tok"
	resourceDecimals = 2
)

var resourceAccounts = []string{"a", "b", "c", "d"}

func resourceSpec() *engineSpec {
	setup := [][]string{{"create", resourceToken}}
	for _, account := range resourceAccounts[:3] {
		setup = append(setup, []string{"mint", account, "10"})
	}
	probes := [][]string{{"supply"}}
	for _, account := range resourceAccounts {
		probes = append(probes, []string{"balance", account})
	}
	return &engineSpec{
		restore:  resource.Restore,
		setup:    setup,
		draw:     drawResource,
		probes:   probes,
		newModel: func() serialModel { return &resourceModel{balances: map[string]int64{}} },
		run:      runResource,
	}
}

func drawResource(t *rapid.T, _ int64) []string {
	account := rapid.SampledFrom(resourceAccounts).Draw(t, "account")
	amount := formatUnits(rapid.Int64Range(1, 600).Draw(t, "units"))
	switch kind := rapid.IntRange(0, 9).Draw(t, "kind"); {
	case kind <= 4:
		to := rapid.SampledFrom(resourceAccounts).Filter(func(to string) bool { return to != account }).Draw(t, "to")
		return []string{"transfer", account, to, amount}
	case kind <= 6:
		return []string{"balance", account}
	case kind == 7:
		return []string{"mint", account, amount}
	case kind == 8:
		return []string{"burn", account, amount}
	default:
		return []string{"supply"}
	}
}

func runResource(executor engines.Executor, fields []string) (string, error) {
	client, ctx := resource.New(executor, memStream), context.Background()
	switch fields[0] {
	case "create":
		return ok(client.Create(ctx, resourceToken, "TOK", resourceDecimals))
	case "mint":
		return ok(client.Mint(ctx, resourceToken, fields[1], fields[2]))
	case "burn":
		return ok(client.Burn(ctx, resourceToken, fields[1], fields[2]))
	case "transfer":
		return ok(client.Transfer(ctx, resourceToken, fields[1], fields[2], fields[3]))
	case "balance":
		text, err := client.Balance(ctx, resourceToken, fields[1])
		return "amount " + text, err
	default:
		text, err := client.Supply(ctx, resourceToken)
		return "amount " + text, err
	}
}

// formatUnits writes hundredths as the shortest decimal text, the way
// the engine answers amounts ("12.5", "3", "0.07").
func formatUnits(units int64) string {
	text := strconv.FormatInt(units/100, 10)
	if fraction := units % 100; fraction != 0 {
		text += "." + strings.TrimRight(fmt.Sprintf("%02d", fraction), "0")
	}
	return text
}

type resourceModel struct {
	balances map[string]int64 // hundredths
	supply   int64
}

func parseUnits(text string) int64 {
	whole, fraction, _ := strings.Cut(text, ".")
	units, _ := strconv.ParseInt(whole, 10, 64)
	fractionUnits, _ := strconv.ParseInt((fraction + "00")[:2], 10, 64)
	return units*100 + fractionUnits
}

func (m *resourceModel) apply(fields []string) string {
	switch fields[0] {
	case "create":
		return "ok"
	case "mint":
		m.balances[fields[1]] += parseUnits(fields[2])
		m.supply += parseUnits(fields[2])
		return "ok"
	case "burn":
		units := parseUnits(fields[2])
		if m.balances[fields[1]] < units {
			return "failed insufficient"
		}
		m.balances[fields[1]] -= units
		m.supply -= units
		return "ok"
	case "transfer":
		units := parseUnits(fields[3])
		if m.balances[fields[1]] < units {
			return "failed insufficient"
		}
		m.balances[fields[1]] -= units
		m.balances[fields[2]] += units
		return "ok"
	case "balance":
		return "amount " + formatUnits(m.balances[fields[1]])
	default:
		return "amount " + formatUnits(m.supply)
	}
}

// TestResourceCreditAfterDebitShrinksEscrow pins a serializability bug the
// property above found (rapid seed 116153420113897229 before the filter):
// transaction 6 debits 0.50 from a (escrow 0.50), then credits a with 0.01
// (escrow shrinks to 0.49); an ad-hoc debit of 0.51 from a then fits
// (0.49 + 0.51 <= 1.00) and commits first. In commit order a holds 0.49
// when transaction 6's debit of 0.50 runs, which must fail; yet it was
// answered ok. The escrow keeps each transaction's peak debit, so the
// ad-hoc debit must wait for transaction 6 (whose abort would let it fit)
// and then, once 6 commits leaving 0.51 in a, succeed.
func TestResourceCreditAfterDebitShrinksEscrow(t *testing.T) {
	h := newHistory(resourceSpec())
	for _, fields := range [][]string{{"create", resourceToken}, {"mint", "a", "1"}, {"mint", "b", "1"}} {
		h.adHoc(t, fields)
	}
	txn := h.begin(false)
	h.operate(txn, []string{"transfer", "a", "c", "0.5"})
	h.operate(txn, []string{"transfer", "b", "a", "0.01"})
	adHoc := h.begin(true)
	h.operate(adHoc, []string{"transfer", "a", "b", "0.51"})
	if answer, answered := h.answers[h.operations[adHoc.id][0].request]; answered {
		t.Fatalf("the ad-hoc debit of 0.51 was answered %q while transaction 6 reserves 0.50 of a's 1.00", answer)
	}
	h.finish(txn, true, clock.Timestamp{})
	if answer := h.answers[h.operations[adHoc.id][0].request]; answer != "ok" {
		t.Fatalf("after transaction 6 committed (a holds 0.51) the ad-hoc debit of 0.51 was answered %q, want ok", answer)
	}
}
