/*
 * tdverify emulate: serve a personalised passport as a contactless chip
 * through the vsmartcard vpcd driver of pcscd (TCP, default
 * 127.0.0.1:35963), until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tdv/emu.h"
#include "tdv/error.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
emulate_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify emulate --passport DIR [--vpcd HOST:PORT] [--pace-only|--bac-only]\n"
	    "                        [--no-aa] [--clone] [--can NNNNNN] [--no-extended]\n"
	    "                        [--connect-timeout SECONDS]\n\n"
	    "Serve a personalised passport (tdverify personalise) as a contactless\n"
	    "ePassport chip through pcscd's vsmartcard-vpcd reader driver.\n\n"
	    "options:\n"
	    "  --passport DIR       the LDS directory (EF.COM, EF.SOD, DGn.bin,\n"
	    "                       EF.CardAccess, mrz.txt, aa-key.pem, ca-key.pem)\n"
	    "  --vpcd HOST:PORT     the vpcd driver (default 127.0.0.1:35963)\n"
	    "  --pace-only          refuse BAC\n"
	    "  --bac-only           no EF.CardAccess: PACE not offered\n"
	    "  --no-aa              no Active Authentication (DG15 hidden)\n"
	    "  --clone              copied data without the AA/CA private keys\n"
	    "  --can NNNNNN         Card Access Number for PACE (default 123456)\n"
	    "  --no-extended        short APDUs only\n"
	    "  --connect-timeout S  keep trying to reach vpcd this long (default 10)\n"
	    "  -h, --help           this text\n\n"
	    "exit status: 0 stopped by a signal or the driver, 2 usage or load error\n");
}

static int
parse_hostport(const char *s, char *host, size_t hostsz, int *port)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || (size_t)(colon - s) >= hostsz)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end = NULL;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

int
cmd_emulate(int argc, char **argv)
{
	const char *dir = NULL;
	char host[256] = "127.0.0.1";
	int port = 35963, timeout = 10;
	tdv_emu_options o;
	tdv_emu_options_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			emulate_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--passport") && i + 1 < argc) {
			dir = argv[++i];
		} else if (cli_flag(a, "--vpcd") && i + 1 < argc) {
			if (parse_hostport(argv[++i], host, sizeof(host), &port) != 0)
				return cli_error("emulate: --vpcd: expected HOST:PORT");
		} else if (cli_flag(a, "--pace-only")) {
			o.bac = false;
		} else if (cli_flag(a, "--bac-only")) {
			o.pace = false;
		} else if (cli_flag(a, "--no-aa")) {
			o.aa = false;
		} else if (cli_flag(a, "--clone")) {
			o.clone = true;
		} else if (cli_flag(a, "--no-extended")) {
			o.extended = false;
		} else if (cli_flag(a, "--can") && i + 1 < argc) {
			const char *can = argv[++i];
			size_t n = strlen(can);
			if (n == 0 || n >= sizeof(o.can) || strspn(can, "0123456789") != n)
				return cli_error("emulate: --can: digits only");
			memcpy(o.can, can, n + 1);
		} else if (cli_flag(a, "--connect-timeout") && i + 1 < argc) {
			char *end = NULL;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 || v > 3600)
				return cli_error("emulate: --connect-timeout: 0..3600");
			timeout = (int)v;
		} else {
			return cli_error("emulate: unknown option or missing value '%s'", a);
		}
	}
	if (dir == NULL)
		return cli_error("emulate: --passport DIR is required");
	if (!o.bac && !o.pace)
		return cli_error("emulate: --pace-only and --bac-only exclude each other");
	tdv_emu *e = NULL;
	int rc = tdv_emu_load_dir(&e, dir, &o);
	if (rc != TDV_OK)
		return cli_error("emulate: %s: %s", dir, tdv_strerror(rc));

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fprintf(stderr, "tdverify: emulating %s via vpcd %s:%d%s%s%s\n", dir, host,
	    port, o.clone ? " (clone)" : "", !o.bac ? " (PACE only)" : "",
	    !o.pace ? " (BAC only)" : "");
	/* Serve; when the driver drops the connection (pcscd restart),
	 * connect again until stopped. */
	int served = 0;
	while (!stop_flag) {
		rc = tdv_emu_serve_vpcd(e, host, port, timeout * 1000, &stop_flag);
		if (rc == TDV_ECHIP_TRANSPORT)
			break; /* nobody to connect to */
		served++;
		tdv_emu_reset(e);
	}
	unsigned long n = tdv_emu_apdus(e);
	tdv_emu_free(&e);
	fprintf(stderr, "tdverify: emulator stopped after %lu APDUs\n", n);
	if (rc == TDV_ECHIP_TRANSPORT && served == 0)
		return cli_error("emulate: cannot reach vpcd at %s:%d", host, port);
	return CLI_OK;
}
