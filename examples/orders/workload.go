package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/workloads"
)

// Bug plants a known mistake in the order flow, to show the check
// catches it.
type Bug string

const (
	// BugNone is the correct flow: payment and booking in one
	// transaction.
	BugNone Bug = ""
	// BugPaySeparately commits the payment, then books the order in a
	// second transaction: an audit in between sees credits paid for no
	// order, and a booking that aborts leaves them so for good.
	BugPaySeparately Bug = "pay-separately"
)

// Workload runs the shop on a simulated cluster of Proven's engines:
// clients place orders, ship them and audit the books, under the
// scenario's faults. Its value is its parameters.
type Workload struct {
	// Customers is the number of customers (default 5).
	Customers int `json:"customers,omitempty"`
	// Bug plants a mistake (default none).
	Bug Bug `json:"bug,omitempty"`
}

// Name names the workload in seed files.
func (Workload) Name() string { return "orders" }

// Transaction timeouts: short enough that faults force aborts.
const (
	timeoutMin    = 200 * time.Millisecond
	timeoutSpread = 800
)

func timeout(c workloads.Client) time.Duration {
	return timeoutMin + time.Duration(c.Rand().IntN(timeoutSpread))*time.Millisecond
}

// Build declares one run: the three streams on a cluster, a setup that
// opens the shop, clients that place (55%), ship (25%) and audit (20%),
// and the books check. The harness adds atomicity and liveness.
func (w Workload) Build(b *workloads.Builder) {
	customers := make([]string, max(w.Customers, 1))
	if w.Customers == 0 {
		customers = make([]string, 5)
	}
	for i := range customers {
		customers[i] = fmt.Sprintf("customer%d", i+1)
	}
	b.Cluster(cluster.Config{Streams: []cluster.StreamSpec{
		cluster.KV(OrdersStream), cluster.Queue(ShippingStream), cluster.Resource(CreditsStream)}})
	b.Setup(func(c workloads.Client) error {
		ctx := context.Background()
		tx := c.Transactions().Begin(ctx, 5*time.Second)
		if err := Open(ctx, tx, customers); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		return tx.Commit(ctx)
	})
	nextOrder := int64(1)
	b.Operation(func(c workloads.Client) {
		switch choice := c.Rand().IntN(20); {
		case choice < 11:
			order := Order{Number: nextOrder, Customer: customers[c.Rand().IntN(len(customers))], Amount: 1 + int64(c.Rand().IntN(20))}
			nextOrder++ // taken before the transaction yields to other clients
			w.place(c, order)
		case choice < 16:
			ship(c)
		default:
			audit(c, customers)
		}
	})
	b.Final(func(c workloads.Client) { audit(c, customers) })
	b.Check("books", CheckBooks(int64(len(customers))*openingCredits))
}

// place records the order flow: one transaction, or with the bug two.
func (w Workload) place(c workloads.Client, order Order) {
	input := value.Map(map[string]value.Value{"order": value.Int(order.Number),
		"customer": value.String(order.Customer), "amount": value.Int(order.Amount)})
	if w.Bug == BugPaySeparately {
		_, paid := workloads.Transact(c, "pay", "", input, timeout(c), func(ctx context.Context, tx workloads.Txn) (value.Value, error) {
			return input, Pay(ctx, tx, order)
		})
		if paid == checkers.TypeOK {
			workloads.Transact(c, "book", "", input, timeout(c), func(ctx context.Context, tx workloads.Txn) (value.Value, error) {
				return input, Book(ctx, tx, order)
			})
		}
		return
	}
	workloads.Transact(c, "place", "", input, timeout(c), func(ctx context.Context, tx workloads.Txn) (value.Value, error) {
		if err := Pay(ctx, tx, order); err != nil {
			return input, err
		}
		return input, Book(ctx, tx, order)
	})
}

// ship records a shipment: the order shipped, or Null when none waited.
func ship(c workloads.Client) {
	workloads.Transact(c, "ship", "", value.Null(), timeout(c), func(ctx context.Context, tx workloads.Txn) (value.Value, error) {
		number, err := Ship(ctx, tx)
		if err != nil || number == 0 {
			return value.Null(), err
		}
		return value.Int(number), nil
	})
}

// audit records the books read at one snapshot.
func audit(c workloads.Client, customers []string) {
	workloads.Read(c, "audit", "", func(ctx context.Context) (value.Value, error) {
		books, err := Audit(ctx, c.Transactions().BeginReadOnly(ctx), customers)
		return value.Map(map[string]value.Value{"merchant": value.Int(books.Merchant),
			"customers": value.Int(books.Customers), "ordered": value.Int(books.Ordered),
			"placed": value.Int(books.Placed), "waiting": value.Int(books.Waiting)}), err
	})
}

// CheckBooks is the shop's invariant, stated by its owner: every audit
// (one snapshot of all three streams) finds
//   - the credits conserved: merchant and customers hold the total;
//   - every credit the merchant holds paid for a recorded order: the
//     merchant's credits equal the orders' amounts;
//   - every placed order waiting to ship, and no other: the shipping
//     queue is as long as the orders not shipped.
func CheckBooks(total int64) func(checkers.History) (checkers.Result, error) {
	return func(history checkers.History) (checkers.Result, error) {
		var found []string
		anomalies := map[string]bool{}
		var involved []int
		for _, operation := range history.Operations() {
			if operation.Function != "audit" || operation.Type != checkers.TypeOK {
				continue
			}
			books := map[string]int64{}
			for _, entry := range operation.Output.MapEntries() {
				books[entry.Key], _ = entry.Value.AsInt()
			}
			note := func(anomaly, format string, args ...any) {
				found = append(found, fmt.Sprintf("%s: %s: %s", operation.Describe(), anomaly, fmt.Sprintf(format, args...)))
				anomalies[anomaly] = true
				involved = append(involved, operation.InvokeIndex)
			}
			if held := books["merchant"] + books["customers"]; held != total {
				note("credits-not-conserved", "merchant and customers hold %d, want %d", held, total)
			}
			if books["merchant"] != books["ordered"] {
				note("payment-without-order", "the merchant holds %d credits, the orders total %d", books["merchant"], books["ordered"])
			}
			if books["waiting"] != books["placed"] {
				note("shipping-mismatch", "%d orders wait to ship, %d are placed", books["waiting"], books["placed"])
			}
		}
		if len(found) == 0 {
			return checkers.Result{Verdict: checkers.VerdictOK}, nil
		}
		var names []string
		for _, name := range []string{"credits-not-conserved", "payment-without-order", "shipping-mismatch"} {
			if anomalies[name] {
				names = append(names, name)
			}
		}
		return checkers.Result{Verdict: checkers.VerdictIllegal, Explanation: strings.Join(found, "\n"),
			Operations: involved, Anomalies: names}, nil
	}
}
