package value

import (
	"encoding/json"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestJSONRoundTripInsideOtherJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type event struct {
			Index int     `json:"index"`
			Value Value   `json:"value"`
			Reads []Value `json:"reads"`
		}
		v := valueGenerator(testDepthMax).Draw(t, "value")
		encoded, err := json.Marshal(event{Index: 7, Value: v, Reads: []Value{v, Null()}})
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		if !json.Valid(encoded) {
			t.Fatalf("invalid JSON %s", encoded)
		}
		var decoded event
		if err := json.Unmarshal(encoded, &decoded); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", encoded, err)
		}
		if !decoded.Value.Equal(v) || len(decoded.Reads) != 2 || !decoded.Reads[0].Equal(v) {
			t.Fatalf("JSON round trip of %v via %s gives %v", v, encoded, decoded.Value)
		}
	})
}

func TestJSONRejectsAmbiguousInput(t *testing.T) {
	for _, text := range []string{
		`1`, `{}`, `{"int":1}`, `{"int":"1","float":1}`, `{"float":"nan"}`, `{"float":1e999}`,
		`{"bytes":"%%"}`, `{"map":{"a":1}}`, `{"map":{"a":null,"a":true}}`, `{"set":[]}`, `[null,]`, `null null`,
	} {
		var v Value
		err := v.UnmarshalJSON([]byte(text))
		if !errors.Is(err, ErrBadJSON) {
			t.Errorf("UnmarshalJSON(%s): err = %v, want ErrBadJSON", text, err)
		}
	}
}

// FuzzUnmarshalJSON: arbitrary bytes never panic; whatever decodes
// re-encodes to JSON that decodes to the same value.
func FuzzUnmarshalJSON(f *testing.F) {
	for _, seed := range seedValues() {
		encoded, _ := json.Marshal(seed)
		f.Add(encoded)
	}
	f.Add([]byte(`{"map_base64_keys":{"/w==":{"float":"-Inf"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if err := v.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, ErrBadJSON) && !errors.Is(err, ErrNestingTooDeep) {
				t.Fatalf("UnmarshalJSON error %v wraps neither ErrBadJSON nor ErrNestingTooDeep", err)
			}
			return
		}
		encoded, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", v, err)
		}
		var again Value
		if err := again.UnmarshalJSON(encoded); err != nil || !again.Equal(v) {
			t.Fatalf("%s decodes to %v, which re-encodes as %s and decodes to %v (err %v)", data, v, encoded, again, err)
		}
	})
}
