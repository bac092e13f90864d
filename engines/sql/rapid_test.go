package sql

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"pgregory.net/rapid"
)

// TestAgainstModel runs random inserts, updates (of values and of
// primary keys) and deletes against a map model, checking after each
// step that full scans, primary-key lookups and index range scans all
// agree with the model, and that a checkpoint restores to the same
// answers.
func TestAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runner := &autocommit{engine: NewEngine()}
		mustRun(t, runner, "CREATE TABLE m (k INT PRIMARY KEY, v INT)")
		mustRun(t, runner, "CREATE INDEX m_v ON m (v)")
		model := map[int64]int64{}
		// frozen is a checkpoint frozen five steps before each restore,
		// with the bytes Checkpoint gave then: written after those steps,
		// it gives the same bytes.
		var frozen engines.FrozenCheckpoint
		var frozenWant []byte
		for step := range rapid.IntRange(1, 40).Draw(t, "steps") {
			if step%10 == 4 {
				frozen, frozenWant = runner.engine.FreezeCheckpoint(), runner.engine.Checkpoint()
			}
			applyRandom(t, runner, model)
			checkModel(t, runner, model)
			if step%10 == 9 {
				var out bytes.Buffer
				if n, err := frozen.WriteTo(&out); err != nil || n != int64(len(frozenWant)) || frozen.Len() != len(frozenWant) ||
					!bytes.Equal(out.Bytes(), frozenWant) {
					t.Fatalf("frozen checkpoint wrote %d bytes (Len %d, %v), not the %d Checkpoint gave", n, frozen.Len(), err, len(frozenWant))
				}
				restored, err := Restore(runner.engine.Checkpoint())
				if err != nil {
					t.Fatalf("restore: %v", err)
				}
				runner.engine = restored.(*Engine)
			}
		}
	})
}

func mustRun(t *rapid.T, runner *autocommit, query string, args ...Value) *Result {
	result, err := runner.run(query, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return result
}

func applyRandom(t *rapid.T, runner *autocommit, model map[int64]int64) {
	k := Int(rapid.Int64Range(-5, 5).Draw(t, "k"))
	v := Int(rapid.Int64Range(-3, 3).Draw(t, "v"))
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		_, err := runner.run("INSERT INTO m VALUES ($1, $2)", k, v)
		if _, exists := model[k.integer]; exists != (err != nil) {
			t.Fatalf("insert %d: exists=%v err=%v", k.integer, exists, err)
		}
		if err == nil {
			model[k.integer] = v.integer
		}
	case 1:
		mustRun(t, runner, "UPDATE m SET v = v + 1 WHERE v BETWEEN $1 AND $2", v, Int(v.integer+1))
		for key, value := range model {
			if value >= v.integer && value <= v.integer+1 {
				model[key] = value + 1
			}
		}
	case 2:
		mustRun(t, runner, "DELETE FROM m WHERE k = ?", k)
		delete(model, k.integer)
	default:
		target := Int(k.integer + 100)
		_, err := runner.run("UPDATE m SET k = $2 WHERE k = $1", k, target)
		value, exists := model[k.integer]
		_, taken := model[target.integer]
		if (exists && taken) != (err != nil) {
			t.Fatalf("rekey %d: exists=%v taken=%v err=%v", k.integer, exists, taken, err)
		}
		if exists && !taken {
			delete(model, k.integer)
			model[target.integer] = value
		}
	}
}

func checkModel(t *rapid.T, runner *autocommit, model map[int64]int64) {
	var want []string
	for _, k := range slices.Sorted(maps.Keys(model)) {
		want = append(want, fmt.Sprintf("%d=%d", k, model[k]))
	}
	if got := pairs(mustRun(t, runner, "SELECT k, v FROM m ORDER BY k")); !slices.Equal(got, want) {
		t.Fatalf("full scan %v, model %v", got, want)
	}
	low := rapid.Int64Range(-4, 4).Draw(t, "low")
	var wantRange []string
	for _, k := range slices.Sorted(maps.Keys(model)) {
		if model[k] >= low && model[k] < low+2 {
			wantRange = append(wantRange, fmt.Sprintf("%d=%d", k, model[k]))
		}
	}
	got := pairs(mustRun(t, runner, "SELECT k, v FROM m WHERE v >= ? AND v < ? ORDER BY k", Int(low), Int(low+2)))
	if !slices.Equal(got, wantRange) {
		t.Fatalf("index range [%d, %d): %v, model %v", low, low+2, got, wantRange)
	}
	key := rapid.Int64Range(-5, 105).Draw(t, "key")
	got = pairs(mustRun(t, runner, "SELECT k, v FROM m WHERE k = ?", Int(key)))
	if value, ok := model[key]; ok != (len(got) == 1) || ok && got[0] != fmt.Sprintf("%d=%d", key, value) {
		t.Fatalf("point lookup %d: %v, model %v", key, got, model)
	}
}

func pairs(result *Result) []string {
	var out []string
	for _, row := range result.Rows {
		out = append(out, fmt.Sprintf("%s=%s", row[0], row[1]))
	}
	return out
}
