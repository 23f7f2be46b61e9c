#!/usr/bin/env python3
"""Generate the labelled name-pair set tests/data/names/pairs.tsv.

Every pair is produced by a documented rule from generated people (random
combinations of the common names in lists/*.tsv) and the published
romanisation tables (data/translit/*.tsv: ICAO 9303-3; data/screen/
cyrillic.tsv: BGN/PCGN and ISO 9). Nothing here looks at the matcher; the
rules are described in MANIFEST. Usage (from the source root):

    python3 tests/data/names/generate.py [--seed N] > tests/data/names/pairs.tsv
"""
import argparse
import os
import random
import sys
import unicodedata

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
LISTS = os.path.join(os.path.dirname(__file__), 'lists')


def read_table(path, ncols):
    rows = {}
    for line in open(path, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        f = line.rstrip('\n').split('\t')
        cp = int(f[0][2:], 16)
        rows[cp] = f[1:1 + ncols]
    return rows


ICAO = {}
for fn in sorted(os.listdir(os.path.join(ROOT, 'data', 'translit'))):
    if fn.endswith('.tsv'):
        for cp, v in read_table(os.path.join(ROOT, 'data', 'translit', fn), 1).items():
            ICAO[cp] = v[0].split('#')[0].strip()
CYR = read_table(os.path.join(ROOT, 'data', 'screen', 'cyrillic.tsv'), 4)  # kind, bgn, iso_ascii, iso


def icao(s):
    """ICAO 9303-3 §6 transliteration of one name part (upper case A-Z)."""
    out = []
    for ch in s:
        cp = ord(ch)
        if 'a' <= ch.lower() <= 'z' and ch.isascii():
            out.append(ch.upper())
        elif ch in " -":
            out.append('<')
        elif ch in "'’":
            continue
        elif unicodedata.combining(ch):
            continue
        elif cp in ICAO:
            out.append(ICAO[cp])
        else:
            raise SystemExit('no ICAO transliteration for %r' % ch)
    return ''.join(out)


CYR_VOWELS = set('аеёиоуыэюяйъьєії')


def bgn(s):
    """BGN/PCGN 1947 Russian (YE initially and after vowels, Й, Ъ, Ь)."""
    out = []
    for i, ch in enumerate(s):
        cp = ord(ch)
        if ch in ' -':
            out.append(ch)
            continue
        if ch.lower() in 'её':
            prev = s[i - 1].lower() if i > 0 else ' '
            v = 'YE' if (prev in CYR_VOWELS or prev in ' -') else 'E'
        else:
            v = CYR[cp][1]
        out.append(v)
    return ''.join(out).title()


def iso9(s):
    """ISO 9:1995, with its diacritics."""
    out = []
    for ch in s:
        if ch in ' -':
            out.append(ch)
        else:
            out.append(CYR[ord(ch)][3])
    return ''.join(out).title() if False else ''.join(out)


def ascii_fold(s):
    return ''.join(c for c in unicodedata.normalize('NFD', s) if not unicodedata.combining(c))


def read_list(name):
    given, surnames = [], []
    for line in open(os.path.join(LISTS, name + '.tsv'), encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        f = line.rstrip('\n').split('\t')
        item = {'sex': f[1], 'native': f[2], 'latin': f[3].split('|') if len(f) > 3 else None}
        (given if f[0] == 'given' else surnames).append(item)
    return given, surnames


def patronymic(given, sex):
    """Russian patronymic from a father's name (regular forms only)."""
    n = given
    if n.endswith('й'):
        stem = n[:-1]
        return stem + ('евич' if sex == 'M' else 'евна')
    if n.endswith('ь'):
        return n[:-1] + ('евич' if sex == 'M' else 'евна')
    if n[-1] in 'аяи':
        return None
    return n + ('ович' if sex == 'M' else 'овна')


def fem_surname(s):
    if s.endswith('ко') or s.endswith('ых'):
        return s
    return s + 'а'


class Person:
    """A generated person: script, given names and surname, each as
    (native, [latin forms])."""

    def __init__(self, script, given, surname):
        self.script, self.given, self.surname = script, given, surname


def mrz(surname_latin, given_latins, width=39):
    s = icao(surname_latin) + '<<' + '<'.join(icao(g) for g in given_latins)
    return s[:width]


def render_native(p, order='given_first'):
    g = ' '.join(x[0] for x in p.given)
    return (g + ' ' + p.surname[0]) if order == 'given_first' else (p.surname[0] + ' ' + g)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.lists = {k: read_list(k) for k in ('cyrillic', 'arabic', 'thai', 'lao', 'devanagari', 'han', 'latin')}
        self.rows = []
        self.seen = set()

    # --- people ---------------------------------------------------------
    def person(self, script, ngiven=None):
        r = self.r
        given, surnames = self.lists[script]
        sex = r.choice('MF')
        gpool = [g for g in given if g['sex'] == sex] or given
        if script == 'cyrillic':
            g = r.choice(gpool)
            fathers = [x for x in given if x['sex'] == 'M' and patronymic(x['native'], sex)]
            pat = patronymic(r.choice(fathers)['native'], sex)
            s = r.choice(surnames)['native']
            if sex == 'F':
                s = fem_surname(s)
            names = [(g['native'], None)]
            if ngiven is None or ngiven > 1:
                names.append((pat, None))
            return Person(script, names, (s, None))
        n = ngiven or r.choice([1, 1, 2]) if script not in ('han', 'thai', 'lao') else 1
        gs = r.sample(gpool, min(n, len(gpool)))
        s = r.choice(surnames)
        return Person(script, [(g['native'], g['latin']) for g in gs], (s['native'], s['latin']))

    # --- renderings -----------------------------------------------------
    def latin_of(self, part, script, system='icao'):
        native, forms = part
        if script == 'cyrillic':
            return {'icao': icao(native), 'bgn': bgn(native), 'iso9': iso9(native)}[system]
        if script == 'latin':
            return native
        return self.r.choice(forms)

    def render(self, p, form):
        """form: native | mrz | latin (a romanised free-text form)."""
        r = self.r
        if form == 'native':
            if p.script == 'han':
                return p.surname[0] + ''.join(g[0] for g in p.given)
            return render_native(p, r.choice(['given_first', 'surname_first']))
        if form == 'mrz':
            sur = self.latin_of(p.surname, p.script)
            gl = [self.latin_of(g, p.script) for g in p.given]
            return mrz(sur, gl)
        system = form.split(':')[1] if ':' in form else 'icao'
        sur = self.latin_of(p.surname, p.script, system)
        gl = [self.latin_of(g, p.script, system) for g in p.given]
        parts = gl + [sur] if r.random() < 0.5 else [sur] + gl
        return ' '.join(parts)

    def add(self, cat, label, a, b):
        key = (a, b)
        if key in self.seen or a == b and label == 0:
            return False
        self.seen.add(key)
        self.rows.append((cat, label, a, b))
        return True

    # --- true pairs -------------------------------------------------------
    def true_script(self, cat, script, n, form_a, form_b):
        k = 0
        while k < n:
            p = self.person(script)
            if self.add(cat, 1, self.render(p, form_a), self.render(p, form_b)):
                k += 1

    def true_latin_rule(self, cat, n, rule):
        r = self.r
        k = 0
        while k < n:
            script = r.choice(['latin', 'latin', 'cyrillic', 'arabic'])
            p = self.person(script, ngiven=2 if rule in ('dropped_middle', 'initials') else None)
            sur = self.latin_of(p.surname, script)
            gl = [self.latin_of(g, script) for g in p.given]
            full = ' '.join(gl + [sur])
            if rule == 'order_swap':
                a, b = ' '.join(gl + [sur]), ' '.join([sur] + gl)
                if r.random() < 0.5:
                    b = mrz(sur, gl)
                    a = ' '.join([sur] + gl) if r.random() < 0.5 else a
            elif rule == 'dropped_middle':
                if len(gl) < 2:
                    continue
                keep = [gl[0]] if r.random() < 0.7 else [gl[-1]]
                a, b = full, (mrz(sur, keep) if r.random() < 0.5 else ' '.join(keep + [sur]))
            elif rule == 'initials':
                if len(gl) < 1:
                    continue
                ini = [g[0] if (i > 0 or r.random() < 0.5 or len(gl) == 1) else g for i, g in enumerate(gl)]
                a, b = full, ' '.join(ini + [sur]) if r.random() < 0.5 else mrz(sur, ini)
            elif rule == 'ocr':
                m = list(mrz(sur, gl))
                conf = {'O': '0', 'I': '1', 'S': '5', 'B': '8', 'Z': '2', 'G': '6'}
                idx = [i for i, c in enumerate(m) if c in conf]
                if not idx:
                    continue
                for i in r.sample(idx, min(len(idx), r.choice([1, 2]))):
                    m[i] = conf[m[i]]
                a, b = self.render(p, 'native'), ''.join(m)
            elif rule == 'diacritics':
                if script != 'latin' or ascii_fold(full) == full:
                    continue
                a, b = full, mrz(sur, gl) if r.random() < 0.5 else ascii_fold(full)
            elif rule == 'truncated':
                m = mrz(sur, gl, 39)
                if len(icao(sur)) + 2 + len('<'.join(icao(g) for g in gl)) <= 30:
                    continue
                a, b = full if r.random() < 0.5 else self.render(p, 'native'), mrz(sur, gl, 30)
            else:
                raise ValueError(rule)
            if self.add(cat, 1, a, b):
                k += 1

    # --- false pairs ------------------------------------------------------
    def other(self, script, p, keep):
        """A different person sharing `keep` ('surname' or 'given') with p,
        everything else drawn again and disjoint from p's names."""
        for _ in range(100):
            q = self.person(script, ngiven=len(p.given))
            gn = {g[0] for g in p.given}
            if keep == 'surname':
                if any(g[0] in gn for g in q.given):
                    continue
                if script == 'cyrillic' and q.given[0][0][:3] == p.given[0][0][:3]:
                    continue
                q.surname = p.surname
            else:
                if q.surname[0] == p.surname[0] or q.surname[0][:-1] == p.surname[0] or p.surname[0][:-1] == q.surname[0]:
                    continue
                q.given = p.given
            return q
        return None

    def false_shared(self, cat, n, keep):
        r = self.r
        k = 0
        scripts = ['latin', 'cyrillic', 'arabic', 'thai', 'lao', 'devanagari', 'han']
        while k < n:
            s = r.choice(scripts)
            p = self.person(s)
            q = self.other(s, p, keep)
            if q is None:
                continue
            fa = r.choice(['native', 'mrz', 'latin'])
            fb = r.choice(['mrz', 'latin'])
            if self.add(cat, 0, self.render(p, fa), self.render(q, fb)):
                k += 1

    def false_close(self, cat, n, keep_given):
        """Surname replaced by a different surname of the same list whose
        ICAO form is within Levenshtein distance 2 (and is not the other
        grammatical gender of the same name)."""
        r = self.r
        k = 0
        scripts = ['latin', 'cyrillic', 'arabic', 'thai', 'devanagari', 'han', 'lao']
        tries = 0
        while k < n and tries < 100000:
            tries += 1
            s = r.choice(scripts)
            p = self.person(s)
            _, surnames = self.lists[s]
            pl = self.icao_form(p.surname, s)
            close = []
            for c in surnames:
                cn = c['native'] if s != 'cyrillic' or p.surname[0] == c['native'] else c['native']
                if s == 'cyrillic' and p.surname[0].endswith('а') and not c['native'].endswith('ко'):
                    cn = fem_surname(c['native'])
                cl = self.icao_form((cn, c['latin']), s)
                if cn == p.surname[0] or cl == pl:
                    continue
                if cl.rstrip('A') == pl.rstrip('A'):
                    continue
                if 1 <= lev(cl, pl) <= 2:
                    close.append((cn, c['latin']))
            if not close:
                continue
            q = Person(s, p.given, r.choice(close))
            if not keep_given:
                q2 = self.other(s, p, 'surname')
                if q2 is None:
                    continue
                q = Person(s, q2.given, q.surname)
            fa = r.choice(['native', 'mrz', 'latin'])
            fb = r.choice(['mrz', 'latin'])
            if self.add(cat, 0, self.render(p, fa), self.render(q, fb)):
                k += 1

    def icao_form(self, part, script):
        if script == 'cyrillic':
            return icao(part[0])
        if script == 'latin':
            return icao(part[0])
        return icao(part[1][0])

    def false_random(self, cat, n):
        r = self.r
        k = 0
        scripts = ['latin', 'cyrillic', 'arabic', 'thai', 'lao', 'devanagari', 'han']
        while k < n:
            s = r.choice(scripts)
            p, q = self.person(s), self.person(s)
            if q.surname[0] == p.surname[0] or {g[0] for g in p.given} & {g[0] for g in q.given}:
                continue
            if self.add(cat, 0, self.render(p, r.choice(['native', 'mrz', 'latin'])), self.render(q, 'mrz')):
                k += 1


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=9303)
    args = ap.parse_args()
    g = Gen(args.seed)
    g.true_script('cyr_native_vs_icao_mrz', 'cyrillic', 150, 'native', 'mrz')
    g.true_script('cyr_bgn_vs_icao_mrz', 'cyrillic', 150, 'latin:bgn', 'mrz')
    g.true_script('cyr_iso9_vs_icao_mrz', 'cyrillic', 150, 'latin:iso9', 'mrz')
    g.true_script('cyr_native_vs_bgn', 'cyrillic', 100, 'native', 'latin:bgn')
    g.true_script('cyr_iso9_vs_bgn', 'cyrillic', 60, 'latin:iso9', 'latin:bgn')
    g.true_script('arabic_native_vs_latin', 'arabic', 150, 'native', 'mrz')
    g.true_script('arabic_spelling_variants', 'arabic', 100, 'latin', 'mrz')
    g.true_script('thai_native_vs_latin', 'thai', 100, 'native', 'mrz')
    g.true_script('lao_native_vs_latin', 'lao', 80, 'native', 'mrz')
    g.true_script('devanagari_native_vs_latin', 'devanagari', 100, 'native', 'mrz')
    g.true_script('han_native_vs_pinyin', 'han', 100, 'native', 'mrz')
    g.true_latin_rule('name_order_swap', 80, 'order_swap')
    g.true_latin_rule('dropped_middle_name', 80, 'dropped_middle')
    g.true_latin_rule('initials', 80, 'initials')
    g.true_latin_rule('ocr_confused_letters', 80, 'ocr')
    g.true_latin_rule('latin_diacritics', 80, 'diacritics')
    g.true_latin_rule('mrz_truncated', 60, 'truncated')
    g.false_shared('false_shared_surname', 400, 'surname')
    g.false_shared('false_shared_given_name', 400, 'given')
    g.false_close('false_close_surname_same_given', 150, True)
    g.false_close('false_close_surname_other_given', 150, False)
    g.false_random('false_different_person', 200)
    out = sys.stdout
    out.write('# tdverify labelled name pairs; generated by tests/data/names/generate.py '
              '--seed %d; see MANIFEST\n' % args.seed)
    out.write('# id\tcategory\tlabel\tname1\tname2\n')
    for i, (cat, label, a, b) in enumerate(g.rows, 1):
        assert '\t' not in a + b
        out.write('%d\t%s\t%d\t%s\t%s\n' % (i, cat, label, a, b))


if __name__ == '__main__':
    main()
