package template

// The rows compared with ansible-playbook. Results are recorded in
// testdata/golden.json; see diff_test.go.

func testVars() Scope {
	return Scope{
		"five": 5, "pi": 3.14, "name": "World", "s_false": "false", "s_yes": "yes", "s_no": "no",
		"empty": "", "zero": 0, "t": true, "f": false, "nothing": nil, "neg": -7,
		"lst": []any{1, "a"}, "nums": []any{3, 1, 2}, "strs": []any{"b", "A", "c", "a"},
		"nested": []any{1, []any{2, []any{3, nil}}, []any{}},
		"d":      map[string]any{"a": 1, "b": map[string]any{"c": "x"}},
		"users": []any{
			map[string]any{"name": "alice", "uid": 1000, "admin": true, "groups": []any{"wheel", "dev"}},
			map[string]any{"name": "bob", "uid": 1001, "admin": false, "groups": []any{"dev"}},
			map[string]any{"name": "carol", "uid": 999, "groups": []any{}},
		},
		"ref": "{{ five }}", "ref2": "{{ ref | int + 1 }}", "refstr": "hello {{ name }}",
		"reflist": []any{"{{ five }}", "x"}, "refbad": "{{ nosuch }}", "refdict": map[string]any{"k": "{{ name }}"},
		"loop_a": "{{ loop_b }}", "loop_b": "{{ loop_a }}",
		"reg": map[string]any{"changed": true, "results": []any{
			map[string]any{"changed": true, "stat": map[string]any{"exists": true}, "item": "x"},
			map[string]any{"changed": false, "stat": map[string]any{"exists": false}, "item": "y"},
		}},
		"res_ok": map[string]any{"changed": false, "failed": false}, "res_fail": map[string]any{"failed": true, "msg": "x"},
		"res_skip": map[string]any{"skipped": true, "changed": false}, "res_changed": map[string]any{"changed": true},
		"res_loop": map[string]any{"results": []any{map[string]any{"changed": false}, map[string]any{"changed": true}}},
		"path":     "/etc/ssh/sshd_config", "version": "1.2.10", "csv": "a,b,,c", "spaced": "  pad  ",
		"json_str": "{\"a\": [1, 2.5, null, true], \"b\": \"x\"}", "yaml_str": "a: 1\nb: [x, y]\nc: yes\nd: 0644\n",
		"multi": "line1\nline2\n",
		"omero": map[string]any{"server": map[string]any{"version": "5.6.3", "dbname": "omero"}, "web": map[string]any{"port": 4080}},
		"pkgs":  []any{"postgresql", "nginx", "x; rm -rf /"},
		"uni":   "héllo wörld", "b64": "aGVsbG8gd29ybGQ=", "mixed": []any{1, "1", 1.5, true, nil},
		"dupes":  []any{1, 2, 2, "a", "A", "a"},
		"words":  "The quick brown fox",
		"url":    "https://user:pw@www.Example.com:8080/a/b.html?x=1&y=2#frag",
		"dlist":  []any{map[string]any{"key": "a", "value": 1}, map[string]any{"key": "b", "value": 2}},
		"kv":     []any{map[string]any{"k": "x", "v": 1}},
		"d1":     map[string]any{"a": 1, "n": map[string]any{"x": 1, "l": []any{1}}},
		"d2":     map[string]any{"b": 2, "n": map[string]any{"y": 2, "l": []any{2}}},
		"quoted": "it's \"q\"",
		"ver":    []any{"1.10", "1.9", "1.2.3"},
		"ints":   []any{10, 2, 33, 4},
		"floaty": 2.5, "big": 12345678901, "str_num": "42", "str_float": "4.2", "str_bad": "4x",
		"omit": Omit,
	}
}

var exprCases = []string{
	// literals and native types
	"plain string", "{{ 5 }}", "{{ '5' }}", "{{ 1.5 }}", "{{ [1, 'a'] }}", "{{ {'a': 1, 'b': none} }}",
	"{{ true }}", "{{ False }}", "{{ none }}", "{{ None }}", "a{{ none }}b", "{{ 'True' }}", "{{ 'false' }}",
	"{{ 'true' }}", "{{ '[1, 2]' }}", "{{ '{\"a\": 1}' }}", "{{ '[1' }}", "[{{ 1 }}]", "{{ (1, 2) }}",
	"{{ (1,) }}", "{{ () }}", "{{ [] }}", "{{ {} }}", "{{ 1, 2 }}", "{{ 'it''s' }}", "{{ \"a\" 'b' }}",
	"{{ 0x1F }}", "{{ 0o17 }}", "{{ 0b101 }}", "{{ 1_000 }}", "{{ 1e3 }}", "{{ 1e20 }}", "{{ 1e-5 }}",
	"{{ 0.1 + 0.2 }}", "{{ 1/3 }}", "{{ 10/2 }}", "{{ 2**10 }}", "{{ 2**0.5 }}", "{{ 7 // 2 }}", "{{ -7 // 2 }}",
	"{{ 7 % 3 }}", "{{ -7 % 3 }}", "{{ 7.5 % 2 }}", "{{ 3 * 'ab' }}", "{{ 'ab' * 3 }}", "{{ [1] * 3 }}",
	"{{ 1 + 2 * 3 }}", "{{ (1 + 2) * 3 }}", "{{ -five }}", "{{ +five }}", "{{ - 2 ** 2 }}", "{{ five - 10 }}",
	"{{ [1, 2] + [3] }}", "{{ 'a' ~ 1 ~ none ~ true }}", "{{ 'a' + 'b' }}", "{{ 'a' + 1 }}", "{{ 1 + 'a' }}",
	"{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ five / 2 }}", "{{ big * 1000 }}", "{{ t + 1 }}",
	"{{ [1, 'a', none, true, 1.0] }}x", "{{ {'a': [1, {'b': 'c'}]} }}x", "{{ lst }}x", "{{ d }}x",
	"{{ quoted }}", "{{ [quoted] }}x", "{{ ['it\\'s'] }}", "{{ ['a\\nb'] }}x", "{{ ['é', uni] }}x",
	"{{ 'a\\tb' }}", "{{ 'x\\\\y' }}", "\\\\ outside", "{{ 1.0 }}", "{{ 100.0 / 3 }}", "{{ 1e16 }}", "{{ 1e15 }}",
	"{{ 123456789.0 * 10 }}", "{{ -0.0 }}", "{{ 3.0 * 2 }}", "{{ five }}", "{{five}}", "{{ pi }}", "{{ t }}",
	"{{ nothing }}", "x{{ five }}", "{{ five }}{{ five }}", "{{ ref }}", "{{ ref + 1 }}", "{{ ref2 }}",
	"{{ refstr }}", "{{ reflist }}", "{{ refdict.k }}", "{{ refbad }}", "{{ refbad | default('dflt') }}",
	"{{ refbad is defined }}", "{{ loop_a }}", "{{ empty }}", "{{ zero }}", "{{ s_false }}",
	"  {{ five }}  ", "{{ five }}\n", "line\n\n", "{{ multi }}", "{# comment #}x", "{# only #}",
	"{% raw %}{{ five }}{% endraw %}", "{{ '{{ five }}' }}", "{{ '{{' }}", "{{ \"}}\" }}",
	// variables, attributes, items
	"{{ d.a }}", "{{ d['a'] }}", "{{ d.b.c }}", "{{ d['b']['c'] }}", "{{ lst[0] }}", "{{ lst.0 }}", "{{ lst[-1] }}",
	"{{ lst[5] }}", "{{ d.nope }}", "{{ d['nope'] }}", "{{ nosuch }}", "{{ nosuch.attr }}", "{{ nosuch['x'] }}",
	"{{ lst.bar }}", "{{ name.bar }}", "{{ nothing.bar }}", "{{ five.bar }}", "{{ reg.results.0.stat.exists }}",
	"{{ reg.results[1].stat.exists }}", "{{ reg['results'][0]['item'] }}", "{{ users[0].name }}",
	"{{ omero.server.version }}", "{{ d.items() | list }}", "{{ d.keys() | list }}",
	"{{ d.values() | list }}", "{{ d.get('a') }}", "{{ d.get('zz', 'dflt') }}", "{{ d.get('zz') }}",
	"{{ lst[0:1] }}", "{{ nums[::-1] }}", "{{ nums[1:] }}", "{{ nums[:-1] }}", "{{ name[1:3] }}", "{{ name[::-1] }}",
	"{{ name[0] }}", "{{ name[-1] }}", "{{ nums[5:] }}", "{{ 'abcdef'[::2] }}",
	// strings and methods
	"{{ name.upper() }}", "{{ name.lower() }}", "{{ spaced.strip() }}", "{{ spaced.lstrip() }}", "{{ spaced.rstrip() }}",
	"{{ 'xxaxx'.strip('x') }}", "{{ csv.split(',') }}", "{{ words.split() }}", "{{ csv.split(',', 1) }}",
	"{{ 'a b  c'.split(' ') }}", "{{ path.startswith('/etc') }}", "{{ path.endswith('.conf') }}",
	"{{ path.startswith(('/usr', '/etc')) }}", "{{ name.replace('o', '0') }}", "{{ 'hello'.capitalize() }}",
	"{{ 'hello world'.title() }}", "{{ '{}-{}'.format(1, 'a') }}", "{{ '{0}{1}{0}'.format('a', 'b') }}",
	"{{ '{x}!'.format(x=name) }}", "{{ '{:>5}'.format('a') }}", "{{ '{:05d}'.format(42) }}", "{{ '{:.2f}'.format(pi) }}",
	"{{ ','.join(['a', 'b']) }}", "{{ name.find('o') }}", "{{ name.count('o') }}", "{{ multi.splitlines() }}",
	"{{ '42'.isdigit() }}", "{{ 'ab'.isalpha() }}", "{{ '7'.zfill(3) }}", "{{ 'a=b=c'.partition('=') }}",
	"{{ 'a=b=c'.rsplit('=', 1) }}", "{{ '%s is %d' % ('x', 5) }}", "{{ '%05.1f' % pi }}", "{{ '%(a)s' % d }}",
	"{{ '%s' % [1, 2] }}", "{{ 'x' in name }}", "{{ 'W' in name }}", "{{ 1 in lst }}", "{{ 'a' in d }}",
	"{{ 'z' not in d }}", "{{ 1 in name }}", "{{ name.nosuchmethod() }}", "{{ name() }}",
	// comparisons and logic
	"{{ 1 == 1.0 }}", "{{ 1 == true }}", "{{ '1' == 1 }}", "{{ [1] == [1] }}", "{{ (1,) == [1] }}", "{{ d == {'a': 1, 'b': {'c': 'x'}} }}",
	"{{ 1 < 2 < 3 }}", "{{ 3 > 2 > 2 }}", "{{ 'a' < 'b' }}", "{{ [1, 2] < [1, 3] }}", "{{ 1 < 'a' }}",
	"{{ none == none }}", "{{ nothing is none }}", "{{ 1 != 2 }}", "{{ true and 'x' }}", "{{ false or 'y' }}",
	"{{ none or 0 }}", "{{ 'a' and '' }}", "{{ not empty }}", "{{ not 'false' }}", "{{ 'yes' if t else 'no' }}",
	"{{ 'yes' if f else 'no' }}", "{{ 'yes' if f }}", "x{{ 'yes' if f }}y", "{{ 1 if nosuch is defined else 2 }}",
	"{{ s_false and 'T' or 'F' }}", "{{ (five > 3) | ternary('big', 'small') }}",
	// undefined handling and errors
	"{{ nosuch | default('d') }}", "{{ nosuch | d('d') }}", "{{ empty | default('d') }}", "{{ empty | default('d', true) }}",
	"{{ nothing | default('d') }}", "{{ nothing | default('d', true) }}", "{{ d.nope | default(5) }}",
	"{{ nosuch.a.b | default('deep') }}", "{{ nosuch | default(omit) == omit }}", "{{ nosuch | mandatory }}",
	"{{ five | mandatory }}", "{{ nosuch | mandatory('custom message') }}", "{{ nosuch is defined }}",
	"{{ nosuch is undefined }}", "{{ d.nope is defined }}", "{{ nosuch.x is defined }}", "{{ lst[9] is defined }}",
	"{{ nosuch + 1 }}", "{{ nosuch ~ 'x' }}", "{{ [nosuch] }}", "{{ nosuch | length }}", "{{ nosuch | lower }}",
	"{{ nosuch | bool }}", "{{ five | nosuchfilter }}", "{{ five is nosuchtest }}", "{{ 1 + }}", "{{ foo bar }}",
	"{{ (1 }}", "{% if %}{% endif %}", "{% if true %}", "{% for x in %}{% endfor %}", "{{ }}", "{% endif %}",
	"{{ 'unterminated }}", "{{ lst[ }}", "{{ x.y( }}",
	// type filters
	"{{ '42' | int }}", "{{ '4.9' | int }}", "{{ 'x' | int }}", "{{ 'x' | int(7) }}", "{{ 4.9 | int }}", "{{ '0x1A' | int(0, 16) }}",
	"{{ '0x1A' | int }}", "{{ ' 12 ' | int }}", "{{ true | int }}", "{{ '1_000' | int }}", "{{ '-3' | int }}", "{{ none | int }}",
	"{{ '4.2' | float }}", "{{ 'x' | float }}", "{{ 3 | float }}", "{{ '1e3' | float }}", "{{ 'inf' | float }}",
	"{{ five | string }}", "{{ lst | string }}", "{{ none | string }}", "{{ t | string }}", "{{ 1.0 | string }}",
	"{{ 'yes' | bool }}", "{{ 'no' | bool }}", "{{ 'True' | bool }}", "{{ 'on' | bool }}", "{{ '1' | bool }}",
	"{{ 1 | bool }}", "{{ 2 | bool }}", "{{ 0 | bool }}", "{{ 'x' | bool }}", "{{ none | bool }}", "{{ s_false | bool }}",
	"{{ lst | list }}", "{{ name | list }}", "{{ d | list }}", "{{ five | type_debug }}", "{{ lst | type_debug }}",
	// string filters
	"{{ name | lower }}", "{{ name | upper }}", "{{ 'hELLO wORLD' | capitalize }}", "{{ 'hello world' | title }}",
	"{{ spaced | trim }}", "{{ 'xxhixx' | trim('x') }}", "{{ name | replace('o', '0') }}", "{{ 'aaa' | replace('a', 'b', 2) }}",
	"{{ name | length }}", "{{ uni | length }}", "{{ lst | count }}", "{{ d | length }}", "{{ five | length }}",
	"{{ name | center(11) }}", "{{ 'a\\nb' | indent(2) }}", "{{ 'a\\nb' | indent(2, true) }}", "{{ words | wordcount }}",
	"{{ words | truncate(9) }}", "{{ 'x' * 300 | truncate(5) }}", "{{ '%s-%s' | format(1, 2) }}", "{{ name | reverse }}",
	"{{ '<a>&' | e }}", "{{ name | quote }}", "{{ 'a b' | quote }}", "{{ \"it's\" | quote }}", "{{ '' | quote }}",
	"{{ pkgs | map('quote') | join(' ') }}", "{{ 'é' | quote }}", "{{ '$HOME' | quote }}",
	"{{ csv | split(',') }}", "{{ words | split }}", "{{ 'a-b-c' | split('-', 1) }}",
	"{{ lst | join(',') }}", "{{ nums | join }}", "{{ users | join(', ', attribute='name') }}",
	"{{ 'abc' | regex_replace('b', 'X') }}", "{{ 'abc' | regex_replace('(a)(b)', '\\\\2\\\\1') }}",
	"{{ 'abc' | regex_replace('(?P<x>b)', '[\\\\g<x>]') }}", "{{ 'ABC' | regex_replace('b', 'x', ignorecase=true) }}",
	"{{ 'a1b22' | regex_replace('\\\\d+', '#') }}", "{{ 'l1\\nl2' | regex_replace('^l', 'L', multiline=true) }}",
	"{{ 'foo.bar' | regex_replace('\\\\.', '\\\\\\\\') }}", "{{ 'aaa' | regex_replace('a', 'b', count=2) }}",
	"{{ 'abc' | regex_search('b') }}", "{{ 'abc' | regex_search('z') }}", "{{ 'ab12' | regex_search('(\\\\w)(\\\\d+)', '\\\\2') }}", "{{ 'ab12' | regex_search('(\\w)(\\d+)', '\\2', '\\1') }}",
	"{{ 'k=v' | regex_search('(?P<key>\\w)=(?P<val>\\w)', '\\g<val>', '\\1') }}", "{{ 'abc' | regex_replace('(a)(b)', '\\2\\1') }}", "{{ 'ABC' | regex_search('b', ignorecase=True) }}",
	"{{ 'a1b2' | regex_findall('\\\\d') }}", "{{ 'a1b2' | regex_findall('(\\\\w)(\\\\d)') }}", "{{ 'x' | regex_findall('y') }}",
	"{{ 'a.b*c' | regex_escape }}", "{{ 'a b(c)' | regex_escape }}", "{{ '^x$' | regex_escape('posix_basic') }}",
	"{{ 'abc' is match('a') }}", "{{ 'abc' is match('b') }}", "{{ 'abc' is search('b') }}", "{{ 'abc' is regex('^a.c$') }}",
	"{{ 'ABC' is match('a', ignorecase=true) }}", "{{ 'abc' is not search('z') }}",
	// list filters
	"{{ nums | first }}", "{{ nums | last }}", "{{ [] | first }}", "{{ name | first }}", "{{ nums | min }}", "{{ nums | max }}",
	"{{ strs | min }}", "{{ strs | max }}", "{{ users | min(attribute='uid') }}", "{{ users | max(attribute='uid') }}",
	"{{ nums | sort }}", "{{ nums | sort(reverse=true) }}", "{{ strs | sort }}", "{{ strs | sort(case_sensitive=true) }}",
	"{{ users | sort(attribute='uid') | map(attribute='name') | list }}", "{{ mixed | sort }}", "{{ ver | sort }}",
	"{{ dupes | unique }}", "{{ dupes | unique(case_sensitive=true) }}", "{{ [1, 2] | union([2, 3]) }}",
	"{{ [1, 2, 2] | intersect([2, 3]) }}", "{{ [1, 2, 3] | difference([2]) }}", "{{ [1, 2] | symmetric_difference([2, 3]) }}",
	"{{ ['a', 'A'] | union(['a']) }}", "{{ nested | flatten }}", "{{ nested | flatten(1) }}", "{{ [1, none, [none]] | flatten }}",
	"{{ [1, [2, [3]]] | flatten(levels=1) }}", "{{ nums | sum }}", "{{ [[1], [2]] | sum(start=[]) }}", "{{ users | sum(attribute='uid') }}",
	"{{ nums | reverse | list }}", "{{ ints | batch(3) | list }}", "{{ ints | batch(3, 0) | list }}",
	"{{ nums | map('string') | list }}", "{{ ['1', '2'] | map('int') | list }}", "{{ users | map(attribute='name') | list }}",
	"{{ users | map(attribute='admin', default=false) | list }}", "{{ users | map(attribute='groups.0', default='none') | list }}",
	"{{ nums | map('regex_replace', '^', 'n') | list }}", "{{ users | selectattr('admin') | map(attribute='name') | list }}",
	"{{ users | selectattr('admin', 'defined') | map(attribute='name') | list }}", "{{ users | rejectattr('admin') | map(attribute='name') | list }}",
	"{{ users | selectattr('uid', '>', 999) | map(attribute='name') | list }}", "{{ users | selectattr('name', 'equalto', 'bob') | list }}",
	"{{ users | selectattr('name', 'in', ['bob', 'carol']) | map(attribute='uid') | list }}", "{{ users | selectattr('groups', 'contains', 'dev') | map(attribute='name') | list }}",
	"{{ users | selectattr('name', 'match', 'c.*') | map(attribute='name') | first }}",
	"{{ nums | select('odd') | list }}", "{{ nums | reject('odd') | list }}", "{{ mixed | select | list }}", "{{ nums | select('>', 1) | list }}",
	"{{ mixed | select('string') | list }}", "{{ mixed | select('number') | list }}", "{{ mixed | reject('none') | list }}",
	"{{ nums | zip(['a', 'b']) | list }}", "{{ [1, 2] | zip_longest(['a']) | list }}", "{{ [1, 2] | zip(['a', 'b']) }}",
	"{{ lst | product(['x']) | list }}", "{{ [1, 2, 3] | combinations(2) | list }}", "{{ users | groupby('admin') | length }}",
	"{{ [3, 1] | sort | first }}", "{{ range(3) | list }}", "{{ range(1, 10, 3) | list }}", "{{ range(3) | sum }}",
	"{{ range(5) | random(seed=1) }}", "{{ 100 | random(seed='web1') }}", "{{ nums | random(seed=42) }}", "{{ 10 | random(start=5, step=2, seed=7) }}",
	"{{ nums | shuffle(seed=3) }}", "{{ ['a', 'b', 'c', 'd'] | shuffle(seed='x') }}",
	"{{ nested | length }}", "{{ [1, 2, 3] | sum / 3 }}",
	// dict filters
	"{{ d | dict2items }}", "{{ d | dict2items(key_name='k', value_name='v') }}", "{{ dlist | items2dict }}",
	"{{ kv | items2dict(key_name='k', value_name='v') }}", "{{ lst | dict2items }}", "{{ five | items2dict }}",
	"{{ d1 | combine(d2) }}", "{{ d1 | combine(d2, recursive=true) }}", "{{ d1 | combine(d2, recursive=true, list_merge='append') }}",
	"{{ d1 | combine(d2, d, recursive=True) }}", "{{ d1 | combine([d2, {'z': 1}]) }}", "{{ {'a': 1} | combine({'a': none}) }}",
	"{{ d | dictsort }}", "{{ {'b': 1, 'a': 2} | dictsort(by='value') }}", "{{ d | items | list }}", "{{ dict(a=1, b=2) }}",
	"{{ dict([['a', 1], ['b', 2]]) }}", "{{ dict(d, z=0) | length }}", "{{ dict(strs | zip(nums)) }}",
	"{{ {'a': 1}.update({'b': 2}) }}", "{{ d1.n.l }}", "{{ ['a', 'b'] | zip([1, 2]) | list | items2dict(key_name=0, value_name=1) }}",
	"{{ users | items2dict(key_name='name', value_name='uid') }}", "{{ 1 | extract(['a', 'b', 'c']) }}",
	"{{ ['a'] | map('extract', d) | list }}", "{{ 'b' | extract(d, 'c') }}",
	// serialization
	"{{ d | to_json }}", "{{ lst | to_json }}", "{{ uni | to_json }}", "{{ {'a': 1.0, 'b': none} | to_json }}", "{{ 'x\"y' | to_json }}",
	"{{ d | to_nice_json }}", "{{ lst | to_nice_json(indent=2) }}", "{{ {'z': 1, 'a': [1, 2]} | to_nice_json }}", "{{ [] | to_nice_json }}",
	"{{ json_str | from_json }}", "{{ (json_str | from_json).a[1] }}", "{{ '[1' | from_json }}", "{{ d | to_json | from_json == d }}",
	"{{ d | to_yaml }}", "{{ lst | to_yaml }}", "{{ 'abc' | to_yaml }}", "{{ {'a': 'yes', 'b': '1', 'c': ''} | to_yaml }}",
	"{{ omero | to_yaml }}", "{{ users[0] | to_yaml }}", "{{ {'a': [1, 2]} | to_nice_yaml }}", "{{ omero | to_nice_yaml }}",
	"{{ users | to_nice_yaml }}", "{{ {'k': 'a: b', 'l': '- x', 'm': 'x #y'} | to_nice_yaml }}", "{{ {'a': 1} | to_nice_yaml(indent=2) }}",
	"{{ yaml_str | from_yaml }}", "{{ 'a: [1, 2' | from_yaml }}", "{{ '---\\na: 1\\n---\\nb: 2' | from_yaml_all | list }}",
	"{{ name | b64encode }}", "{{ b64 | b64decode }}", "{{ uni | b64encode }}", "{{ 'not base64!' | b64decode }}",
	"{{ name | hash('sha1') }}", "{{ name | hash('md5') }}", "{{ name | hash('sha256') }}", "{{ name | hash('sha512') }}",
	"{{ name | hash }}", "{{ name | md5 }}", "{{ name | sha1 }}", "{{ name | checksum }}", "{{ name | to_uuid }}",
	"{{ 'secret' | password_hash('sha512', 'mysalt') }}", "{{ 'secret' | password_hash('sha512', 'mysalt', rounds=5000) }}",
	"{{ 'secret' | password_hash('sha512', 'abcdefghijklmnop', rounds=10000) }}",
	// paths and urls
	"{{ path | basename }}", "{{ path | dirname }}", "{{ '/a/b/' | basename }}", "{{ '/a/b/' | dirname }}", "{{ 'file' | dirname }}",
	"{{ '/' | dirname }}", "{{ 'a.tar.gz' | splitext }}", "{{ '.bashrc' | splitext }}", "{{ '/x.y/z' | splitext }}",
	"{{ path | splitext | last }}", "{{ ['/a', 'b', 'c'] | path_join }}", "{{ ['a', '/b'] | path_join }}", "{{ '/' | realpath }}",
	"{{ url | urlsplit }}", "{{ url | urlsplit('hostname') }}", "{{ url | urlsplit('port') }}", "{{ url | urlsplit('path') }}",
	"{{ 'http://h/p' | urlsplit }}", "{{ {'a': 'b c', 'd': '&'} | urlencode }}", "{{ 'a b/c' | urlencode }}",
	// numbers
	"{{ 2.5 | round }}", "{{ 3.5 | round }}", "{{ pi | round(1) }}", "{{ 2.45 | round(1, 'floor') }}", "{{ 2.41 | round(1, 'ceil') }}",
	"{{ five | round }}", "{{ -3 | abs }}", "{{ -3.5 | abs }}", "{{ neg | abs }}", "{{ 'x' | abs }}", "{{ 8 | log(2) }}",
	"{{ 2 | pow(3) }}", "{{ 16 | root }}", "{{ 27 | root(3) }}", "{{ 10 | log(10) }}",
	// versions
	"{{ version is version('1.2.9', '>') }}", "{{ version is version('1.10', '<') }}", "{{ '1.0' is version('1.0.0', '==') }}",
	"{{ '1.0' is version('1.0', 'eq') }}", "{{ '2.0' is version('10.0', 'lt') }}", "{{ '1.2' is version('1.2', '>=') }}",
	"{{ '1.2' is version('1.3', '<=') }}", "{{ '1.2' is version('1.3', '!=') }}", "{{ '1.2' is version('1.3', 'ne') }}",
	"{{ '1.2' is version('1.3', '<>') }}", "{{ '1.2' is version('1.3', 'gt') }}", "{{ '1.2' is version('1.3', 'ge') }}",
	"{{ '1.2a' is version('1.2', '>') }}", "{{ '1.2' is version('1.2a', 'lt') }}", "{{ '1.2.0' is version('1.2', '>', strict=true) }}",
	"{{ '1.2a1' is version('1.2', '<', strict=true) }}", "{{ '1.x' is version('1.2', '<', strict=true) }}",
	"{{ '1.2.3-rc.1' is version('1.2.3', '<', version_type='semver') }}", "{{ '1.2.3-rc.2' is version('1.2.3-rc.10', '<', version_type='semver') }}",
	"{{ '1.2.3+b1' is version('1.2.3', '==', version_type='semantic') }}", "{{ '1.2' is version('1.2.3', '<', version_type='semver') }}",
	"{{ '1.2' is version('1.3', 'bogus') }}", "{{ '1.2' is version('1.3', version_type='bogus') }}", "{{ '' is version('1') }}",
	"{{ omero.server.version is version('5.6', '>=') }}",
	// tests
	"{{ five is number }}", "{{ pi is number }}", "{{ 't' is number }}", "{{ t is number }}", "{{ five is integer }}", "{{ pi is float }}",
	"{{ name is string }}", "{{ five is string }}", "{{ d is mapping }}", "{{ lst is mapping }}", "{{ lst is sequence }}",
	"{{ name is sequence }}", "{{ d is sequence }}", "{{ five is sequence }}", "{{ lst is iterable }}", "{{ five is iterable }}",
	"{{ t is boolean }}", "{{ 1 is boolean }}", "{{ t is true }}", "{{ 1 is true }}", "{{ f is false }}", "{{ nothing is none }}",
	"{{ five is sameas 5 }}", "{{ t is sameas true }}", "{{ 1 is sameas true }}", "{{ none is sameas none }}",
	"{{ 4 is divisibleby 2 }}", "{{ 5 is even }}", "{{ 5 is odd }}", "{{ 5 is eq 5 }}", "{{ 5 is ne 5 }}", "{{ 3 is lt 5 }}",
	"{{ 3 is gt 5 }}", "{{ 3 is le 3 }}", "{{ 3 is ge 4 }}", "{{ 3 is in [1, 3] }}", "{{ 'a' is in 'abc' }}", "{{ lst is contains 1 }}",
	"{{ 'ab' is lower }}", "{{ 'Ab' is upper }}", "{{ [1, 2] is subset([1, 2, 3]) }}", "{{ [1, 2, 3] is superset([1, 4]) }}",
	"{{ [true, 1] is all }}", "{{ [0, ''] is any }}", "{{ 'true' is truthy }}", "{{ '' is truthy }}", "{{ 'no' is falsy }}",
	"{{ 'no' is falsy(convert_bool=true) }}", "{{ 'yes' is truthy(convert_bool=True) }}", "{{ 0 is falsy }}",
	"{{ res_ok is succeeded }}", "{{ res_ok is success }}", "{{ res_fail is failed }}", "{{ res_fail is succeeded }}",
	"{{ res_ok is failed }}", "{{ res_changed is changed }}", "{{ res_ok is changed }}", "{{ res_loop is changed }}",
	"{{ res_skip is skipped }}", "{{ res_ok is skipped }}", "{{ reg is changed }}", "{{ five is failed }}", "{{ nosuch is failed }}",
	"{{ res_ok is finished }}", "{{ res_ok is reachable }}", "{{ res_ok is not unreachable }}",
	"{{ nothing is defined }}", "{{ five is not defined }}", "{{ 'x' is not none }}", "{{ lst is not string }}",
	"{{ '/' is exists }}", "{{ '/nonexistent/x' is exists }}", "{{ '/' is directory }}", "{{ '/etc/hostname' is file }}",
	"{{ '/etc' is abs }}", "{{ 'etc' is abs }}", "{{ 0.0 is nan }}",
	// lookups
	"{{ lookup('env', 'OMEPROV_TEST_ENV') }}", "{{ lookup('env', 'OMEPROV_NO_SUCH_ENV') }}", "{{ lookup('env', 'OMEPROV_NO_SUCH_ENV', default='dv') }}",
	"{{ query('env', 'OMEPROV_TEST_ENV') }}", "{{ lookup('env', 'OMEPROV_TEST_ENV', wantlist=True) }}",
	"{{ lookup('file', 'hello.txt') }}", "{{ lookup('file', 'hello.txt', rstrip=false) }}", "{{ lookup('file', 'nosuch.txt') }}",
	"{{ lookup('file', 'nosuch.txt', errors='ignore') }}", "{{ lookup('file', 'a.conf', 'b.conf') }}", "{{ query('file', 'a.conf', 'b.conf') }}",
	"{{ lookup('pipe', 'echo hi') }}", "{{ lookup('pipe', 'printf \"a\\nb\\n\"') }}", "{{ lookup('pipe', 'exit 3') }}",
	"{{ query('fileglob', '*.conf') | map('basename') | sort }}", "{{ lookup('fileglob', 'nomatch*.x') }}",
	"{{ lookup('first_found', ['nosuch.txt', 'b.conf']) | basename }}", "{{ lookup('first_found', 'nosuch.txt') }}",
	"{{ lookup('first_found', ['nosuch.txt'], skip=true) }}", "{{ query('first_found', ['nosuch.txt'], skip=true) }}",
	"{{ lookup('first_found', {'files': ['x', 'a.conf']}) | basename }}",
	"{{ lookup('vars', 'five') }}", "{{ lookup('vars', 'ref') }}", "{{ lookup('vars', 'nosuch') }}", "{{ lookup('vars', 'nosuch', default='dv') }}",
	"{{ lookup('vars', 'five', 'name') }}", "{{ query('vars', 'five', 'name') }}", "{{ lookup('template', 'greet.j2') }}",
	"{{ lookup('nosuchlookup', 'x') }}", "{{ lookup('items', [1, 2]) }}", "{{ query('items', [1, [2]]) }}", "{{ lookup('list', [1, 2]) }}",
	"{{ q('env', 'OMEPROV_TEST_ENV') }}", "{{ lookup('ansible.builtin.env', 'OMEPROV_TEST_ENV') }}",
	// statements inside strings
	"{% if five > 3 %}big{% else %}small{% endif %}", "{% if nosuch is defined %}a{% elif five %}b{% endif %}",
	"{% for x in nums %}{{ x }},{% endfor %}", "{% for x in [] %}a{% else %}empty{% endfor %}",
	"{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}", "{% for k in d %}{{ k }}{% endfor %}",
	"{% for x in nums %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}",
	"{% for x in nums if x > 1 %}{{ x }}{% endfor %}", "{% for x in nums %}{{ loop.cycle('a', 'b') }}{% endfor %}",
	"{% for x in nums %}{{ loop.first }}{{ loop.revindex }}{% endfor %}", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}",
	"{% set x = 5 %}{{ x * 2 }}", "{% set x, y = 1, 2 %}{{ x + y }}", "{% set b %}inner {{ name }}{% endset %}{{ b | upper }}",
	"{% set ns = namespace(c=0) %}{% for x in nums %}{% set ns.c = ns.c + x %}{% endfor %}{{ ns.c }}",
	"{% macro m(a, b='B') %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(2, b=3) }}",
	"{% filter upper %}hello {{ name }}{% endfilter %}", "{% with z = 3 %}{{ z }}{% endwith %}",
	"{% for x in nums %}\n{{ x }}\n{% endfor %}", "a\n{% if true %}\nb\n{% endif %}\nc", "  {%- if true %} x {% endif -%}  ",
	"{{- ' x ' -}}", "a {{- ' b ' }} c", "{% for x in nums %}{{ x }}{% endfor %}x", "{% if true %}[1, 2]{% endif %}",
	"{% if true %}True{% endif %}", "{% for x in 'ab' %}{{ x }}{% endfor %}", "{% for x in five %}{% endfor %}",
	"{{ lst | map('string') | map('upper') | list }}",
	"{% for u in users | sort(attribute='name') %}{{ u.name }}:{{ u.groups | join('+') }} {% endfor %}",
	"{% for x in nested recursive %}{% if x is iterable %}[{{ loop(x) }}]{% else %}{{ x }}{% endif %}{% endfor %}",
	"{% macro outer() %}<{{ caller() }}>{% endmacro %}{% call outer() %}in{% endcall %}",
	"{% if lst %}{{ lst | length }}{% endif %}", "{% if d.b.c == 'x' and five is odd %}ok{% endif %}",
	// structures in task args
	"{{ {'name': name, 'list': [five, pi, t]} }}", "{{ [d.a, d.b] }}",
	// iterators and Python objects left unrolled
	"{{ range(3) }}", "{{ d.items() }}", "{{ d.keys() }}", "{{ d.values() }}", "{{ lst | map('string') }}",
	"{{ users | selectattr('admin') | map(attribute='uid') }}", "{{ nums | reverse }}", "{{ nums | zip(nums) }}",
	"{{ d.items() | first }}", "{{ (d.items() | list)[0][0] }}", "{{ 'abc' | list | join('-') }}", "{{ lst | first | string }}",
	"x{{ range(3) }}", "x{{ lst | map('string') }}",
	// loop variables and macros
	"{% for x in nums %}{{ loop.index0 }}{{ loop.revindex0 }}{{ loop.depth }}{% endfor %}",
	"{% for x in nums %}{{ loop.previtem | default('-') }}{{ loop.nextitem | default('-') }} {% endfor %}",
	"{% for x in [1, 1, 2] %}{{ loop.changed(x) }} {% endfor %}", "{% for x in nums %}{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}",
	"{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}", "{% macro m() %}x{% endmacro %}{{ m() }}{{ m() }}",
	"{% macro m(a, b) %}{{ a }}{{ b is defined }}{% endmacro %}{{ m(1) }}", "{% macro m() %}[1, 2]{% endmacro %}{{ m() }}",
	"{% set x = 1 %}{% for i in nums %}{% set x = i %}{% endfor %}{{ x }}", "{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}",
	"{% for i in range(2) %}{% for j in range(2) %}{{ i }}{{ j }} {% endfor %}{% endfor %}",
	"{%- for x in nums -%}\n  {{ x }}\n{%- endfor -%}", "{% for x in nums %}\n  {{ x }}\n{% endfor %}", "a\n  {% if true %}b{% endif %}\n",
	"{{ 'a' }}\n{{ 'b' }}", "{% if true %}\n{% endif %}", "{# c #}\nx", "{% raw %}\n{{ x }}\n{% endraw %}\ny",
	// more filters
	"{{ d | dictsort(reverse=true) }}", "{{ users | groupby('admin') | map('first') | list }}", "{{ users | unique(attribute='admin') | map(attribute='name') | list }}",
	"{{ [1.5, 2.25] | sum }}", "{{ users | sort(attribute='groups.0') | map(attribute='name') | list }}", "{{ 'a\n\nb' | indent(2, blank=true) }}",
	"{{ 'a\nb' | indent('> ') }}", "{{ 'x' | center }}", "{{ '%(a)s-%(b)s' | format(a=1, b=2) }}", "{{ '17' | int(base=8) }}", "{{ 'x' | float(1.5) }}",
	"{{ d | string }}", "{{ d.items() | list | length }}", "{{ ['b', 'a'] | random(seed=5) }}", "{{ range(10) | shuffle(seed=1) }}",
	"{{ 'a' | regex_replace('a', '\\\\g<0>\\\\g<0>') }}", "{{ 'a.b' | regex_replace('\\\\.', '$') }}", "{{ 'aXbX' | regex_replace('(?i)x', '-') }}",
	"{{ 'one two' | regex_findall('\\\\b(\\\\w)') }}", "{{ 'k1=v1 k2=v2' | regex_findall('(\\\\w+)=(\\\\w+)') | items2dict(key_name=0, value_name=1) }}",
	"{{ 'x' * 3 | length }}", "{{ ('x' * 3) | length }}", "{{ nums | map('int') | map('string') | join }}", "{{ nums | select('in', [1, 2]) | list }}",
	"{{ nums | map('pow', 2) | list }}", "{{ users | map(attribute='name') | map('upper') | select('match', '^[AB]') | list }}",
	"{{ users | min(attribute='name') }}", "{{ strs | unique | sort }}", "{{ [[1, 2], [3]] | map('length') | list }}", "{{ [[1, 2], [3]] | map('sum') | sum }}",
	"{{ 'abc' | wordwrap(2) }}", "{{ 12345678 | filesizeformat }}", "{{ [3, 1] | sort | list | first }}",
	// YAML quoting
	"{{ ['yes', 'no', 'on', 'Off', 'null', '~', '', ' lead', 'trail ', 'a: b', '#x', '-x', '- x', '@x', '!x', '%x', '`x', 'x#y', 'x #y'] | to_yaml }}",
	"{{ ['0644', '1_000', '.5', '1e3', 'True', '1.0', '12:30', '0x1F', '-', '?', 'a\tb', 'é', 'a\\b', \"q'\", '[x]', '{x}', '*x', '&x', '|', '>'] | to_yaml }}",
	"{{ {'a': [[1, 2], {'b': []}], 'c': {'d': {'e': 1}}} | to_yaml }}", "{{ {'a': [[1, 2], {'b': []}], 'c': {'d': {'e': 1}}} | to_nice_yaml }}",
	"{{ [[1, [2]], []] | to_nice_yaml }}", "{{ {'long': 'word ' * 30} | to_yaml }}", "{{ [1.0, 0.5, 1e20, -1.5e-7, none, true] | to_yaml }}",
	"{{ 'a: !!str 5\nb: 0o17\nc: 1:30\nd: ~' | from_yaml }}",
	"{{ {'opts': '-Xmx4g -XX:+UseG1GC -Dome.very.long.property.name=value ' * 3, 'k': 1} | to_nice_yaml }}",
	"{{ {'m': 'line1\nline2\n', 'n': 'a\n b', 'o': 'a \nb', 'p': '\nlead'} | to_nice_yaml }}",
	"{{ {'x y': 1, 'a:b': 2, '-k': 3, '': 4, 'yes': 5, '1': 6, 'k#': 7} | to_nice_yaml }}",
	"{{ range(40) | list | to_yaml }}", "{{ {'a': range(30) | list} | to_nice_yaml }}", "{{ [{'a': 1}, {'b': [1, 2]}] | to_yaml }}",
	"{{ {'a': {'b': {'c': [1, {'d': 'e'}]}}} | to_nice_yaml(indent=2) }}", "{{ ('x' * 100) | to_yaml }}", "{{ ('x ' * 50) | to_yaml }}",
	"{{ ['é', 'ü ü', '\u2028'] | to_yaml }}", "{{ {'a': none, 'b': true, 'c': 1.5} | to_nice_yaml }}", "{{ [[[]]] | to_nice_yaml }}",
	// methods and comparisons
	"{{ 'x'.center(5, '*') }}", "{{ 'ABC'.swapcase() }}", "{{ '{:^7}'.format('x') }}", "{{ '{:,}'.format(1234567) }}", "{{ '{!r}'.format('x') }}",
	"{{ 'a.b.c'.rsplit('.', 1)[0] }}", "{{ 'a' == 1 }}", "{{ none < 1 }}", "{{ [1] ~ 'x' }}", "{{ 'abc'[5:] }}", "{{ nums[-10:2] }}", "{{ nums[::-2] }}",
	"{{ nums.index(1) }}", "{{ nums.count(3) }}", "{{ 'a-b'.split('-') | last }}", "{{ 'A.b'.lower().split('.') }}", "{{ name.startswith('W') and name.endswith('d') }}",
	"{{ d.get('b').get('c') }}", "{{ d['b'].c.upper() }}", "{{ '%-5s|' % 'ab' }}", "{{ '%x %o %e' % (255, 8, 1.5) }}", "{{ '%s%%' % 5 }}",
	// OME-style expressions
	"{{ omero.server.version is version('5.6', '>=') | ternary('new', 'old') }}", "{{ 'postgresql-' ~ (omero.web.port | string) }}",
	"{{ omero.server.version.split('.')[:2] | join('.') }}", "{{ omero.server.version | regex_replace('^(\\\\d+)\\\\.(\\\\d+).*$', '\\\\1\\\\2') }}",
	"{{ (omero.server.version.split('.') | map('int') | list) >= [5, 6] }}", "{{ pkgs | map('regex_replace', '^', 'pkg-') | list }}",
	"{{ omero | combine({'server': {'dbname': 'x'}}, recursive=true) }}", "{{ omero | dict2items | map(attribute='key') | list }}",
	"{{ users | selectattr('uid', 'ge', 1000) | map(attribute='name') | list | join(',') }}", "{{ lookup('env', 'OMEPROV_TEST_ENV') | default('x', true) }}",
	"{{ (pi * 100) | int }}", "{{ (five / 2) | round | int }}", "{{ ['a', 'b'] | product(['1', '2']) | map('join') | list }}",
	"{{ d | to_json | b64encode | b64decode | from_json }}", "{{ omero.server.dbname | hash('sha256') | truncate(8, true, '') }}",
}

// whenCases are compared through "when:".
var whenCases = []string{
	"true", "false", "five > 3", "five < 3", "s_false", "s_no", "empty", "zero", "nothing", "t", "f", "not t",
	"nosuch is defined", "nosuch is undefined", "nosuch is not defined", "nosuch", "nosuch.x", "d.nope is defined",
	"d.nope", "nosuch is defined and nosuch", "five is defined and five > 1", "refbad is defined", "refbad",
	"ref == 5", "ref | int == 5", "'{{ five }}' == '5'", "{{ t }}", "{{ s_false }}", "{{ [] }}", "{{ 0 }}", "five",
	"lst", "[]", "d", "'x' in name", "name == 'World'", "res_ok is succeeded", "res_fail is failed", "reg.results[0].stat.exists",
	"reg.results | selectattr('changed') | list | length > 0", "omero.server.version is version('5.6.0', '>=')",
	"1 +", "five is", "(five", "true if five else false", "nothing is none", "s_yes | bool", "s_no | bool", "'false' | bool",
	"users | selectattr('admin', 'defined') | list", "d.b.c is defined", "d.b.nope is defined", "nosuch.x is defined",
	"lookup('env', 'OMEPROV_TEST_ENV') == 'hello'", "five == '5'", "five | string == '5'",
}

// fileCase is a template module row.
type fileCase struct {
	src  string
	opts map[string]any
}

func (c fileCase) fileOptions() FileOptions {
	var o FileOptions
	for k, v := range c.opts {
		switch k {
		case "trim_blocks":
			b := v.(bool)
			o.TrimBlocks = &b
		case "lstrip_blocks":
			o.LstripBlocks = v.(bool)
		case "newline_sequence":
			o.NewlineSequence = v.(string)
		case "variable_start_string":
			o.VariableStartString = v.(string)
		case "variable_end_string":
			o.VariableEndString = v.(string)
		case "block_start_string":
			o.BlockStartString = v.(string)
		case "block_end_string":
			o.BlockEndString = v.(string)
		case "comment_start_string":
			o.CommentStartString = v.(string)
		case "comment_end_string":
			o.CommentEndString = v.(string)
		}
	}
	return o
}

var fileCases = []fileCase{
	{src: "Hello {{ name }}\n"},
	{src: "no newline {{ five }}"},
	{src: "two newlines\n\n"},
	{src: "{% for x in nums %}\n{{ x }}\n{% endfor %}\n"},
	{src: "{% for x in nums %}\n  {{ x }}\n{% endfor %}\n", opts: map[string]any{"trim_blocks": false}},
	{src: "<ul>\n  {% for x in nums %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n", opts: map[string]any{"lstrip_blocks": true}},
	{src: "<ul>\n  {% for x in nums %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n"},
	{src: "{{ lst }} {{ d }} {{ t }} {{ nothing }} {{ pi }}\n"},
	{src: "{{ [1, 2] }}"},
	{src: "a\nb\n", opts: map[string]any{"newline_sequence": "\r\n"}},
	{src: "[% for x in nums %][[ x ]][% endfor %]\n", opts: map[string]any{"variable_start_string": "[[", "variable_end_string": "]]", "block_start_string": "[%", "block_end_string": "%]"}},
	{src: "#jinja2: trim_blocks: False, lstrip_blocks: True\n{% if true %}\n  x\n  {% endif %}\n"},
	{src: "#jinja2:variable_start_string:'<<', variable_end_string:'>>'\n<< name >> {{ name }}\n"},
	{src: "{# comment #}\nline\n{#- c -#}\n  next\n"},
	{src: "{% raw %}{{ not rendered }}{% endraw %}\n"},
	{src: "{{ nosuch }}\n"},
	{src: "{% if %}\n"},
	{src: "{% set x = 1 %}\n{% macro m(v) %}[{{ v }}]{% endmacro %}\n{{ m(x) }}\n"},
	{src: "{% include 'greet.j2' %}\n"},
	{src: "line {{ '\\\\n' }} {{ 'a\\tb' }}\n"},
	{src: "{{ omero | to_nice_yaml }}"},
	{src: "{{ users | to_nice_json }}\n"},
	{src: "trailing spaces   \n{% if true %}   \nx\n{% endif %}   \n"},
}
