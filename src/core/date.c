/* Calendar arithmetic for document dates. */
#include "tdv/date.h"

#include <stdio.h>
#include <string.h>

#include "tdv/error.h"

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
tdv_date_valid(int year, int month, int day)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	int md = mdays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
	return day <= md;
}

int
tdv_date_cmp(const tdv_date *a, const tdv_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
tdv_date_parse_iso(const char *s, tdv_date *out)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return TDV_EDATE;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !tdv_date_valid(y, m, d))
		return TDV_EDATE;
	out->year = y;
	out->month = m;
	out->day = d;
	return TDV_OK;
}

void
tdv_date_format_iso(const tdv_date *d, char out[11])
{
	unsigned y = (unsigned)d->year % 10000u, m = (unsigned)d->month % 100u,
		 dd = (unsigned)d->day % 100u;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + dd / 10);
	out[9] = (char)('0' + dd % 10);
	out[10] = '\0';
}

long
tdv_date_to_days(const tdv_date *d)
{
	/* Howard Hinnant's days_from_civil */
	long y = d->year - (d->month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d->month + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d->day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
tdv_date_age(const tdv_date *birth, const tdv_date *on)
{
	int age = on->year - birth->year;
	if (on->month < birth->month ||
	    (on->month == birth->month && on->day < birth->day))
		age--;
	return age;
}
