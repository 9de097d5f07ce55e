// Decode every spec example with the generated Go model of its schema, then encode it back.
// Usage (built inside the generated client's module): decode-examples EXAMPLES_JSON
//
// An example fails if json.Unmarshal into the model refuses it (the generated UnmarshalJSON
// checks required properties, time.Time checks date-times), if json.Marshal fails, or if the
// round trip does not give back the same JSON: a model that drops or rewrites a value would
// pass a decode-only check. Go cannot look a type up by name: `models` is filled in by
// models_gen.go, which .ci/portability/run writes from the schema names in EXAMPLES_JSON.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
)

var models = map[string]func() any{}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var examples []struct {
		At, Schema string
		Value      json.RawMessage
	}
	if err := json.Unmarshal(data, &examples); err != nil {
		panic(err)
	}
	failed := 0
	for _, example := range examples {
		if err := roundTrip(example.Schema, example.Value); err != nil {
			failed++
			fmt.Printf("FAIL go: %s as %s: %v\n", example.At, example.Schema, err)
		}
	}
	fmt.Printf("go: %d passed, %d failed\n", len(examples)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func roundTrip(schema string, value json.RawMessage) error {
	newModel, ok := models[schema]
	if !ok {
		return fmt.Errorf("no Go model for schema %s", schema)
	}
	model := newModel()
	if err := json.Unmarshal(value, model); err != nil {
		return fmt.Errorf("Unmarshal: %w", err)
	}
	again, err := json.Marshal(model)
	if err != nil {
		return fmt.Errorf("Marshal: %w", err)
	}
	var want, got any
	if err := json.Unmarshal(value, &want); err != nil {
		return err
	}
	if err := json.Unmarshal(again, &got); err != nil {
		return err
	}
	if diff := firstDifference(want, got, "$"); diff != "" {
		return fmt.Errorf("the round trip changed %s", diff)
	}
	return nil
}

// firstDifference tells where two JSON values differ first, or "". An absent property is the
// same as a null one, as in the Python and TypeScript harnesses.
func firstDifference(want, got any, at string) string {
	wantObject, ok1 := want.(map[string]any)
	gotObject, ok2 := got.(map[string]any)
	if ok1 && ok2 {
		keys := map[string]bool{}
		for key := range wantObject {
			keys[key] = true
		}
		for key := range gotObject {
			keys[key] = true
		}
		sorted := make([]string, 0, len(keys))
		for key := range keys {
			sorted = append(sorted, key)
		}
		sort.Strings(sorted)
		for _, key := range sorted {
			if diff := firstDifference(wantObject[key], gotObject[key], at+"."+key); diff != "" {
				return diff
			}
		}
		return ""
	}
	wantArray, ok1 := want.([]any)
	gotArray, ok2 := got.([]any)
	if ok1 && ok2 && len(wantArray) == len(gotArray) {
		for i := range wantArray {
			if diff := firstDifference(wantArray[i], gotArray[i], fmt.Sprintf("%s[%d]", at, i)); diff != "" {
				return diff
			}
		}
		return ""
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	return fmt.Sprintf("%s: %s became %s", at, wantJSON, gotJSON)
}
