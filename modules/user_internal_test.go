package modules

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const accountsOut = `OS linux
P omeu1:x:2101:2101:Ome U1,,,:/home/omeu1:/bin/sh
S omeu1:!$6$salt$hash:19000:0:99999:7:::
G root:x:0:
G sudo:x:27:omeu1,alice
G users:x:100:
G omeu1:x:2101:
G 1234:x:3000:
`

func TestParseAccounts(t *testing.T) {
	a, err := parseAccounts("omeu1", accountsOut)
	require.NoError(t, err)
	require.Equal(t, &sysUser{Name: "omeu1", Hash: "!$6$salt$hash", UID: 2101, GID: 2101, Comment: "Ome U1,,,", Home: "/home/omeu1", Shell: "/bin/sh", Expire: -1, MinDays: 0, MaxDays: 99999}, a.User)
	require.Equal(t, []string{"sudo"}, a.memberOf("omeu1"))
	require.Equal(t, "users", a.group("100").Name, "a number is a gid first")
	require.Equal(t, 3000, a.group("1234").GID, "then a name")
	require.Nil(t, a.group("nosuch"))

	// another user's entry (getent by number) is not this user
	a, err = parseAccounts("2101", "OS linux\nP omeu1:x:2101:2101::/home/omeu1:/bin/sh\n")
	require.NoError(t, err)
	require.Nil(t, a.User)
	_, err = parseAccounts("x", "garbage")
	require.Error(t, err)
	_, err = parseAccounts("x", "OS linux\nP x:x:notanumber:1::/:/bin/sh\n")
	require.Error(t, err)

	d, err := parseAccounts("bob", "OS darwin\nD name bob\nD UniqueID: 501\nD PrimaryGroupID: 20\nD NFSHomeDirectory: /Users/bob\nD UserShell: /bin/zsh\nD RealName: Bob\nG staff:x:20:\nM admin bob root\nG admin:x:80:\n")
	require.NoError(t, err)
	require.Equal(t, 501, d.User.UID)
	require.Equal(t, "/bin/zsh", d.User.Shell)
	require.Equal(t, []string{"admin"}, d.memberOf("bob"))
}

func TestUserCommands(t *testing.T) {
	a, _ := parseAccounts("omeu1", accountsOut)
	str := func(s string) *string { return &s }
	n := func(i int) *int { return &i }

	// new user: a group named as the user already exists, so -N
	u := userArgs{Name: "omeu1", CreateHome: true, UpdatePassword: "always"}
	b, _ := parseAccounts("omeu1", strings.Replace(accountsOut, "P omeu1", "P other", 1))
	argv, err := userAddArgv(&u, b)
	require.NoError(t, err)
	require.Equal(t, []string{"useradd", "-N", "-m", "omeu1"}, argv)
	u = userArgs{Name: "new; rm -rf /", UID: n(5), NonUnique: true, Group: str("users"), Groups: str("sudo, users,sudo"), Comment: str("C"),
		Home: str("/srv/h"), Shell: str("/bin/sh"), Password: str("$6$x"), System: true, Skeleton: str("/etc/skel2"), CreateHome: true}
	argv, err = userAddArgv(&u, a)
	require.NoError(t, err)
	require.Equal(t, []string{"useradd", "-u", "5", "-o", "-g", "users", "-G", "sudo", "-c", "C", "-d", "/srv/h", "-s", "/bin/sh", "-p", "$6$x", "-m", "-k", "/etc/skel2", "-r", "new; rm -rf /"}, argv)
	require.Equal(t, `useradd -u 5 -o -g users -G sudo -c C -d /srv/h -s /bin/sh -p '$6$x' -m -k /etc/skel2 -r 'new; rm -rf /'`, quoteWords(argv))
	_, err = userAddArgv(&userArgs{Name: "x", Group: str("nosuch")}, a)
	require.EqualError(t, err, "Group nosuch does not exist")
	_, err = userAddArgv(&userArgs{Name: "x", Groups: str("sudo,nosuch")}, a)
	require.EqualError(t, err, "Group nosuch does not exist")

	// existing user: nothing differs
	argv, err = userModArgv(&userArgs{Name: "omeu1", UID: n(2101), Shell: str("/bin/sh"), Groups: str("sudo"), UpdatePassword: "always"}, a)
	require.NoError(t, err)
	require.Nil(t, argv)
	// append adds only what is missing; without append the list is exact
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Groups: str("users"), Append: true}, a)
	require.Equal(t, []string{"usermod", "-a", "-G", "users", "omeu1"}, argv)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Groups: str("users")}, a)
	require.Equal(t, []string{"usermod", "-G", "users", "omeu1"}, argv)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Groups: str("")}, a)
	require.Equal(t, []string{"usermod", "-G", "", "omeu1"}, argv)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Groups: str(""), Append: true}, a)
	require.Nil(t, argv)
	// group by gid, home with move, password (the lock mark is ignored)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Group: str("users"), Home: str("/srv/u"), MoveHome: true,
		Password: str("$6$salt$hash"), UpdatePassword: "always"}, a)
	require.Equal(t, []string{"usermod", "-g", "100", "-d", "/srv/u", "-m", "omeu1"}, argv)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Password: str("$6$new"), UpdatePassword: "on_create"}, a)
	require.Nil(t, argv)
	f := false
	argv, _ = userModArgv(&userArgs{Name: "omeu1", PasswordLock: &f}, a)
	require.Equal(t, []string{"usermod", "-U", "omeu1"}, argv)
	exp := float64(86400 * 20000)
	argv, _ = userModArgv(&userArgs{Name: "omeu1", Expires: &exp}, a)
	require.Equal(t, []string{"usermod", "-e", "2024-10-04", "omeu1"}, argv)

	require.Equal(t, []string{"userdel", "-f", "-r", "x"}, userDelArgv(&userArgs{Name: "x", Force: true, Remove: true}))
}

func TestUserHashWarning(t *testing.T) {
	require.Empty(t, userHashWarning("$6$rounds=5000$salt$"+strings.Repeat("a", 86)))
	require.Empty(t, userHashWarning("!"))
	require.NotEmpty(t, userHashWarning("secret"))
	require.NotEmpty(t, userHashWarning("$6$abc$xyz"))
	require.NotEmpty(t, userHashWarning("$1$salt$with space and more chars"))
}

func TestDarwinUserCmds(t *testing.T) {
	a, _ := parseAccounts("bob", "OS darwin\nG staff:x:20:\nG admin:x:80:\n")
	str := func(s string) *string { return &s }
	cmds, err := darwinUserCmds(&userArgs{Name: "bob", Shell: str("/bin/zsh"), Comment: str("Bob's"), Groups: str("admin"), CreateHome: true}, a)
	require.NoError(t, err)
	require.Equal(t, "dscl . -create /Users/bob", cmds[0])
	require.Contains(t, cmds[1], "UniqueID")
	require.Contains(t, cmds, "dscl . -create /Users/bob PrimaryGroupID 20")
	require.Contains(t, cmds, "dscl . -create /Users/bob RealName 'Bob'\"'\"'s'")
	require.Contains(t, cmds, "dseditgroup -o edit -a bob -t user admin")
	_, err = darwinUserCmds(&userArgs{Name: "bob", Group: str("nosuch")}, a)
	require.Error(t, err)
	require.Equal(t, []string{"dscl . -delete /Users/bob", "rm -rf -- /Users/bob"}, darwinUserDelete(&userArgs{Name: "bob", Remove: true}, "/Users/bob"))
}

func TestUserAndGroupOnFake(t *testing.T) {
	f := newFake(&fakeReply{Match: `^sh -c `, Stdout: accountsOut}, &fakeReply{Match: `^test -e /home/omeu1$`})
	v, err := Validate("user", userSpec(), map[string]any{"name": "omeu1", "shell": "/bin/bash"})
	require.NoError(t, err)
	r, err := runUser(context.Background(), fakeTask(f, "user", v, true))
	require.NoError(t, err)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "/bin/sh", r["shell"], "check mode reports the current entry")
	for _, c := range f.commands() {
		require.NotContains(t, c, "usermod")
	}

	f = newFake(&fakeReply{Match: `^sh -c `, Stdout: accountsOut})
	v, _ = Validate("group", groupSpec(), map[string]any{"name": "omeu1", "gid": 4000})
	r, err = runGroup(context.Background(), fakeTask(f, "group", v, true))
	require.NoError(t, err)
	require.True(t, r.Changed())
	require.Equal(t, 2101, r["gid"])
	argv, present := groupPlan(v, &sysAccounts{OS: "darwin"})
	require.False(t, present)
	require.Equal(t, []string{"dseditgroup", "-o", "create", "-i", "4000", "omeu1"}, argv)
	v, _ = Validate("group", groupSpec(), map[string]any{"name": "omeu1", "non_unique": true})
	r, _ = runGroup(context.Background(), fakeTask(f, "group", v, false))
	require.Equal(t, "non_unique is True but all of the following are missing: gid", r["msg"])
}

func TestUserChage(t *testing.T) {
	info := &sysUser{Name: "u", MinDays: 0, MaxDays: 99999}
	require.Nil(t, userChageArgv(map[string]any{"password_expire_min": 0, "password_expire_max": 99999}, info))
	require.Equal(t, []string{"chage", "-m", "1", "-M", "90", "u"}, userChageArgv(map[string]any{"password_expire_min": 1, "password_expire_max": 90}, info))
	require.Equal(t, []string{"chage", "-M", "90", "u"}, userChageArgv(map[string]any{"password_expire_max": 90}, info))
}

// A new user's group need not exist in check mode: Ansible reports the
// creation before it looks the group up (an earlier task, which check mode
// did not run, may be the one that makes it).
func TestUserCheckModeNewUserMissingGroup(t *testing.T) {
	f := newFake(&fakeReply{Match: `^sh -c `, Stdout: strings.Replace(accountsOut, "P omeu1", "P other", 1)})
	v, err := Validate("user", userSpec(), map[string]any{"name": "omeu1", "group": "nosuch", "groups": []any{"nosuch2"}})
	require.NoError(t, err)
	r, err := runUser(context.Background(), fakeTask(f, "user", v, true))
	require.NoError(t, err)
	require.False(t, r.Failed(), "%v", r)
	require.True(t, r.Changed(), "%v", r)
	r, err = runUser(context.Background(), fakeTask(f, "user", v, false))
	require.NoError(t, err)
	require.True(t, r.Failed(), "%v", r)
	require.Equal(t, "Group nosuch does not exist", r["msg"])
}
