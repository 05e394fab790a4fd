package schema

// builtins are the profile fields, with their fixed types and constraints.
// A site changes only whether each is required and who may write it; by
// default users edit their own profile (clientModify).
var builtins = func() map[string]Field {
	out := map[string]Field{}
	add := func(t Type, names ...string) {
		for _, n := range names {
			out[n] = Field{Type: t, WriteAccess: ClientModify, builtin: true}
		}
	}
	add(String, "firstName", "lastName", "nickname", "email", "username", "address", "city", "state", "zip",
		"country", "locale", "timezone", "languages", "photoURL", "thumbnailURL", "profileURL", "bio", "hometown",
		"industry", "professionalHeadline", "educationLevel", "honors", "interests", "religion",
		"relationshipStatus", "specialties", "politicalView")
	add(list, "phones", "work", "education")
	add(String, "phones.type", "phones.number", "work.company", "work.title", "education.school",
		"education.degree", "education.fieldOfStudy")
	add(Date, "work.startDate", "work.endDate")
	add(Boolean, "work.isCurrent")
	ranged := func(name string, lo, hi int64) {
		f := Field{Type: Integer, WriteAccess: ClientModify, builtin: true}
		f.Minimum, f.Maximum = &lo, &hi
		out[name] = f
	}
	ranged("age", 0, 150)
	ranged("birthDay", 1, 31)
	ranged("birthMonth", 1, 12)
	ranged("birthYear", 1800, 9999)
	ranged("followersCount", 0, 1<<31-1)
	ranged("followingCount", 0, 1<<31-1)
	ranged("education.startYear", 1800, 9999)
	ranged("education.endYear", 1800, 9999)
	g := out["gender"]
	g.Type, g.WriteAccess, g.builtin, g.AllowedValues = String, ClientModify, true, []any{"m", "f", "u"}
	out["gender"] = g
	return out
}()
