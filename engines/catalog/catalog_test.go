package catalog

import "testing"

func TestSpecsNameTheirEngine(t *testing.T) {
	for _, test := range []struct {
		spec StreamSpec
		kind string
	}{
		{KV("users"), KindKV}, {Queue("jobs"), KindQueue}, {Resource("tokens"), KindResource}, {SQL("orders"), KindSQL}, {StreamTable("events"), KindStream},
	} {
		if test.spec.Engine != test.kind {
			t.Errorf("%s: engine %q, want %q", test.spec.Name, test.spec.Engine, test.kind)
		}
		engine, err := test.spec.Restore(nil)
		if err != nil || engine == nil {
			t.Errorf("%s: Restore(nil) = %v, %v; want a new engine", test.spec.Name, engine, err)
			continue
		}
		if held := engine.Held(); !held.IsZero() {
			t.Errorf("%s: a new %s engine holds %+v", test.spec.Name, test.kind, held)
		}
	}
}
