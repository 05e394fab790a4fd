package account

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/site"
)

// The profile fields that tell a birth date.
var birthFields = []string{"birthYear", "birthMonth", "birthDay"}

// checkAge refuses a profile whose user may be younger than the site's
// minimum age (registration.minimumAge, 13 with enforceCoppa). A profile
// without a birth year is not judged; a missing month or day counts as
// the latest one possible, so that a user who may be under the limit is.
func (s *Service) checkAge(st site.Site, profile map[string]any) error {
	limit := st.Policies.Registration.MinAge()
	if limit == 0 {
		return nil
	}
	born, ok := latestBirthDate(profile)
	if !ok {
		return nil
	}
	// The date everywhere on Earth: it is a birthday only once it is one
	// in the last time zone (UTC-12) too.
	now := s.now().UTC().Add(-12 * time.Hour)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// AddDate moves 29 February to 1 March in other years: the later day.
	if born.AddDate(limit, 0, 0).After(today) {
		return fail(ErrUnderage, AttrProfile, limit)
	}
	return nil
}

// touchesBirthDate tells whether a profile change sets a birth field.
func touchesBirthDate(change map[string]any) bool {
	for _, f := range birthFields {
		if _, ok := change[f]; ok {
			return true
		}
	}
	return false
}

// latestBirthDate is the latest day the profile's birth date may be: its
// year, month and day, the last month of the year or day of the month
// where they are missing or not a month or day. ok is false without a
// birth year.
func latestBirthDate(profile map[string]any) (time.Time, bool) {
	year, ok := wholeNumber(profile["birthYear"])
	if !ok {
		return time.Time{}, false
	}
	// Years beyond four digits are far past or far ahead, and time.Date
	// would overflow on them.
	year = min(max(year, 0), 10000)
	month, ok := wholeNumber(profile["birthMonth"])
	if !ok || month < 1 || month > 12 {
		month = 12
	}
	last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	day, ok := wholeNumber(profile["birthDay"])
	if !ok || day < 1 || day > last {
		day = last
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
}

// wholeNumber reads a whole number given as a JSON number or as a string
// of digits.
func wholeNumber(v any) (int, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = n
	case float64:
		f = x
	case int:
		return x, true
	case int64:
		f = float64(x)
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
		return int(n), err == nil
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}
