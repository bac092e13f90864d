// Package orders is a worked example of testing your application logic
// on Proven's engines, in the simulated cluster: a shop whose order flow
// spans three streams, checked against an invariant its owner states.
// Run it with
//
//	go test ./examples/orders
//
// and copy orders_test.go to start your own.
//
// # The application
//
// The shop (shop.go) keeps order records in a KV stream ("orders"), the
// queue of orders waiting to ship in a Queue stream ("shipping") and the
// customers' and the merchant's credits in a Resource stream
// ("credits"). Placing an order pays for it (a transfer of credits from
// the customer to the merchant) and books it (a record, and an entry in
// the shipping queue) in one transaction across the three engines;
// shipping takes the oldest order off the queue and marks its record
// shipped; an audit reads all three at one snapshot (a read-only
// transaction). The functions take an engines.Executor, so the same code
// runs in a read-write transaction, a read-only one or, outside the
// simulator, against the real runtime.
//
// # The test
//
// Workload implements workloads.Workload on Builder.Cluster: the three
// streams, a setup that opens the shop before any fault, clients that
// place, ship and audit (recorded with workloads.Transact and
// workloads.Read, so the harness also checks every transaction's
// atomicity against the stream logs and liveness after healing), and
// CheckBooks, the invariant: at every audit the credits are conserved,
// the merchant holds exactly what the recorded orders cost, and the
// shipping queue holds exactly the orders not shipped.
//
// # The planted bug
//
// Workload{Bug: BugPaySeparately} pays in one transaction and books in a
// second: an audit between the two sees credits paid for no order. The
// test finds a failing seed, writes its seed file (naming the workload
// and {"bug": "pay-separately"}) and replays it. A failure of
// TestOrders itself prints the go test command that replays it:
//
//	go test ./examples/orders -run TestOrders -proven.replay=FILE
//
// # What it does not do
//
// It never cancels or refunds an order, and customers never top up.
package orders
