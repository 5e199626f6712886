package template

// PyStr renders v as Python's str() does (lists as [1, 'a'], True/None
// capitalised): how Ansible prints values such as loop item labels.
func PyStr(v any) string {
	s, err := pyStr(v)
	if err != nil {
		return pyRepr(v)
	}
	return s
}
