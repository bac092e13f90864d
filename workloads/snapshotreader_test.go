package workloads

import "testing"

// TestCoordinatedTransactionsReadAtOlderSnapshots: a simulated client's
// Transactions begin read-only transactions at older snapshots, so the
// bank and mixed workloads' old-snapshot reads run (a type assertion
// decides, so only this test would notice if they stopped).
func TestCoordinatedTransactionsReadAtOlderSnapshots(t *testing.T) {
	var transactions Transactions = Coordinated(nil)
	if _, ok := transactions.(snapshotReader); !ok {
		t.Fatal("Coordinated's Transactions are not a snapshotReader")
	}
}
