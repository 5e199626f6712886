package playbook

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// ListOptions selects what List prints (ansible-playbook's --list-*).
type ListOptions struct {
	Tasks, Hosts, Tags bool
	RunTags, SkipTags  []string
}

// HostMatcher matches host patterns; Inventory satisfies it.
type HostMatcher interface {
	Match(pattern string) (hosts []string, warnings []string, err error)
}

// List prints a playbook's plays with their hosts, tasks or tags as
// ansible-playbook --list-hosts/--list-tasks/--list-tags does.
func List(w io.Writer, name string, pb *Playbook, inv HostMatcher, o ListOptions) error {
	e := &Executor{opts: Options{Tags: o.RunTags, SkipTags: o.SkipTags}}
	fmt.Fprintf(w, "\nplaybook: %s\n", name)
	for i, p := range pb.Plays {
		pname := p.Name
		if pname == "" {
			pname = p.Hosts
		}
		fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: [%s]\n", i+1, p.Hosts, pname, strings.Join(p.Tags, ","))
		if o.Hosts {
			hosts, _, err := inv.Match(p.Hosts)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "    pattern: ['%s']\n    hosts (%d):\n", strings.Join(strings.Split(p.Hosts, ","), "', '"), len(hosts))
			for _, h := range hosts {
				fmt.Fprintf(w, "      %s\n", h)
			}
		}
		if o.Tasks || o.Tags {
			var lines []string
			allTags := map[string]bool{}
			var walk func(ts []*Task, parent Keywords, role *Role)
			walk = func(ts []*Task, parent Keywords, role *Role) {
				for _, t := range ts {
					kw := t.Keywords.inherit(parent)
					switch {
					case t.IsBlock:
						walk(t.Block, kw, role)
						walk(t.Rescue, kw, role)
						walk(t.Always, kw, role)
						continue
					case t.IncludeRole != nil && t.IncludeRole.Role != nil && t.Static:
						walk(t.IncludeRole.Role.Tasks, kw, t.IncludeRole.Role)
						continue
					}
					if !e.selectedByTags(kw.Tags) {
						continue
					}
					for _, tag := range kw.Tags {
						allTags[tag] = true
					}
					name := t.Name
					if name == "" {
						name = t.Action
					}
					if role != nil {
						name = role.Name + " : " + name
					}
					lines = append(lines, fmt.Sprintf("      %s\tTAGS: [%s]", name, strings.Join(sortedCopy(kw.Tags), ", ")))
				}
			}
			walk(p.PreTasks, p.Keywords, nil)
			var roleWalk func(ref *RoleRef, parent Keywords)
			roleWalk = func(ref *RoleRef, parent Keywords) {
				if ref.Role == nil {
					return
				}
				kw := ref.Keywords.inherit(parent)
				for _, d := range ref.Role.Deps {
					roleWalk(d, kw)
				}
				walk(ref.Role.Tasks, kw, ref.Role)
			}
			for _, ref := range p.Roles {
				roleWalk(ref, p.Keywords)
			}
			walk(p.Tasks, p.Keywords, nil)
			walk(p.PostTasks, p.Keywords, nil)
			if o.Tasks {
				fmt.Fprintf(w, "    tasks:\n")
				for _, l := range lines {
					fmt.Fprintln(w, l)
				}
			}
			if o.Tags {
				var tags []string
				for t := range allTags {
					tags = append(tags, t)
				}
				sort.Strings(tags)
				fmt.Fprintf(w, "      TASK TAGS: [%s]\n", strings.Join(tags, ", "))
			}
		}
	}
	return nil
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
