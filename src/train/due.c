/*
 * Refresher due dates: the last passed course plus a configurable period
 * in months, and whether that day is near or past.
 */
#include "tdv/error.h"
#include "tdv/train.h"

static int
month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int
tdv_train_add_months(const tdv_date *last, int months, tdv_date *out)
{
	if (last == NULL || out == NULL || months < 1 || months > 120 ||
	    !tdv_date_valid(last->year, last->month, last->day))
		return TDV_EINVAL;
	int m0 = last->month - 1 + months;
	int y = last->year + m0 / 12;
	int m = m0 % 12 + 1;
	if (y > 9999)
		return TDV_EINVAL;
	int d = last->day;
	/* 31 January + 1 month is the last day of February, not March */
	if (d > month_days(y, m))
		d = month_days(y, m);
	out->year = y;
	out->month = m;
	out->day = d;
	return TDV_OK;
}

const char *
tdv_train_due_status_name(tdv_train_due_status s)
{
	switch (s) {
	case TDV_TRAIN_DUE_NEVER_TRAINED:
		return "induction-due";
	case TDV_TRAIN_DUE_OK:
		return "ok";
	case TDV_TRAIN_DUE_SOON:
		return "due-soon";
	case TDV_TRAIN_DUE_OVERDUE:
		return "overdue";
	}
	return "ok";
}

int
tdv_train_refresher_due(const tdv_date *last_passed, int period_months,
    const tdv_date *today, int warn_days, tdv_date *due,
    tdv_train_due_status *status)
{
	if (today == NULL || due == NULL || status == NULL || warn_days < 0 ||
	    !tdv_date_valid(today->year, today->month, today->day))
		return TDV_EINVAL;
	if (last_passed == NULL || last_passed->year == 0) {
		/* never trained: the induction is due now */
		*due = *today;
		*status = TDV_TRAIN_DUE_NEVER_TRAINED;
		return TDV_OK;
	}
	int rc = tdv_train_add_months(last_passed, period_months, due);
	if (rc != TDV_OK)
		return rc;
	long left = tdv_date_to_days(due) - tdv_date_to_days(today);
	if (left < 0)
		*status = TDV_TRAIN_DUE_OVERDUE;
	else if (left <= warn_days)
		*status = TDV_TRAIN_DUE_SOON;
	else
		*status = TDV_TRAIN_DUE_OK;
	return TDV_OK;
}
