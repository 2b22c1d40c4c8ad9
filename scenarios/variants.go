package scenarios

import (
	"fmt"
	"strings"
)

// VariantScenario returns the scenario of variant i: the file decoded afresh, with the
// variant's sections in place of its own, defaults applied and validated. Its problems are
// reported at the variant's lines and paths ("variants[1].consumer.pace").
func (s *Scenario) VariantScenario(i int) (*Scenario, error) {
	if i < 0 || i >= len(s.Variants) {
		return nil, fmt.Errorf("variant %d of %d", i, len(s.Variants))
	}
	m, err := Parse(s.File, s.Source)
	if err != nil {
		return nil, err
	}
	v := m.Variants[i]
	prefix := fmt.Sprintf("variants[%d].", i)
	replaced := map[string]bool{}
	set := func(section string, given bool) {
		if !given {
			return
		}
		replaced[section] = true
		m.moveLines(prefix+section, section)
	}
	set("gateway", v.Gateway != nil)
	if v.Gateway != nil {
		m.Gateway = v.Gateway
	}
	set("queues", v.Queues != nil)
	if v.Queues != nil {
		m.Queues = v.Queues
	}
	set("consumer", v.Consumer != nil)
	if v.Consumer != nil {
		m.Consumer = v.Consumer
	}
	set("downstream", v.Downstream != nil)
	if v.Downstream != nil {
		m.Downstream = v.Downstream
	}
	m.Variants, m.isVariant = nil, true
	m.Description = strings.TrimSpace(v.Description)
	m.ApplyDefaults()
	var errs ErrorList
	for _, e := range m.Validate() {
		fe := e.(*FieldError)
		if sec, _, _ := strings.Cut(fe.Path, "."); replaced[strings.SplitN(sec, "[", 2)[0]] {
			fe.Path = prefix + fe.Path
		}
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return m, nil
}

// moveLines makes the lines recorded under from (a variant's section) those of to.
func (s *Scenario) moveLines(from, to string) {
	for p := range s.lines {
		if p == to || strings.HasPrefix(p, to+".") || strings.HasPrefix(p, to+"[") {
			delete(s.lines, p)
		}
	}
	for p, l := range s.lines {
		if p == from || strings.HasPrefix(p, from+".") || strings.HasPrefix(p, from+"[") {
			s.lines[to+p[len(from):]] = l
		}
	}
}

// validateVariants checks each variant as the scenario it makes.
func (s *Scenario) validateVariants() []error {
	var out []error
	names := map[string]bool{}
	for i, v := range s.Variants {
		p := fmt.Sprintf("variants[%d]", i)
		switch {
		case v.Name == "":
			out = append(out, &FieldError{File: s.File, Line: s.Line(p), Path: p + ".name", Msg: "a variant needs a name"})
		case names[v.Name]:
			out = append(out, &FieldError{File: s.File, Line: s.Line(p + ".name"), Path: p + ".name", Msg: fmt.Sprintf("variant %q is given twice", v.Name)})
		}
		names[v.Name] = true
		if len(s.Source) == 0 {
			continue
		}
		if _, err := s.VariantScenario(i); err != nil {
			if list, ok := err.(ErrorList); ok {
				for _, e := range list {
					out = append(out, e)
				}
				continue
			}
			out = append(out, &FieldError{File: s.File, Line: s.Line(p), Path: p, Msg: err.Error()})
		}
	}
	return out
}
