#!/usr/bin/env python3
"""Deterministic generator for corpus15 mail fixtures (forwards + replies).

Writes NAME.eml (exact bytes, CRLF) and NAME.json into forwards/ and replies/.
Run:  python3 make.py          (rebuild)
      python3 make.py --check  (rebuild + validate every fixture)
"""
import base64
import datetime as dt
import hashlib
import html
import json
import os
import quopri
import re
import sys

OUT = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- date tables
WD = {
    'en': 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(),
    'de': 'Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag'.split(),
    'es': 'lunes martes miércoles jueves viernes sábado domingo'.split(),
    'fr': 'lundi mardi mercredi jeudi vendredi samedi dimanche'.split(),
    'it': 'lunedì martedì mercoledì giovedì venerdì sabato domenica'.split(),
    'pl': 'poniedziałek wtorek środa czwartek piątek sobota niedziela'.split(),
    'cs': 'pondělí úterý středa čtvrtek pátek sobota neděle'.split(),
    'hu': 'hétfő kedd szerda csütörtök péntek szombat vasárnap'.split(),
    'uk': 'понеділок вівторок середа четвер пʼятниця субота неділя'.split(),
    'ru': 'понедельник вторник среда четверг пятница суббота воскресенье'.split(),
    'tr': 'Pazartesi Salı Çarşamba Perşembe Cuma Cumartesi Pazar'.split(),
    'el': 'Δευτέρα Τρίτη Τετάρτη Πέμπτη Παρασκευή Σάββατο Κυριακή'.split(),
    'pt': 'segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo'.split(),
    'sv': 'måndag tisdag onsdag torsdag fredag lördag söndag'.split(),
    'no': 'mandag tirsdag onsdag torsdag fredag lørdag søndag'.split(),
    'da': 'mandag tirsdag onsdag torsdag fredag lørdag søndag'.split(),
    'fi': 'maanantai tiistai keskiviikko torstai perjantai lauantai sunnuntai'.split(),
    'nl': 'maandag dinsdag woensdag donderdag vrijdag zaterdag zondag'.split(),
    'cy': ['Dydd Llun', 'Dydd Mawrth', 'Dydd Mercher', 'Dydd Iau', 'Dydd Gwener', 'Dydd Sadwrn', 'Dydd Sul'],
    'ro': 'luni marți miercuri joi vineri sâmbătă duminică'.split(),
    'ar': 'الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد'.split(),
    'ko': [c + '요일' for c in '월화수목금토일'],
    'zh': ['星期' + c for c in '一二三四五六日'],
    'ja': list('月火水木金土日'),
}
MON = {
    'en': 'January February March April May June July August September October November December'.split(),
    'de': 'Januar Februar März April Mai Juni Juli August September Oktober November Dezember'.split(),
    'es': 'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre'.split(),
    'fr': 'janvier février mars avril mai juin juillet août septembre octobre novembre décembre'.split(),
    'it': 'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre'.split(),
    'pl': 'stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia'.split(),
    'cs': 'ledna února března dubna května června července srpna září října listopadu prosince'.split(),
    'hu': 'január február március április május június július augusztus szeptember október november december'.split(),
    'uk': 'січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня'.split(),
    'ru': 'января февраля марта апреля мая июня июля августа сентября октября ноября декабря'.split(),
    'tr': 'Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık'.split(),
    'el': 'Ιανουαρίου Φεβρουαρίου Μαρτίου Απριλίου Μαΐου Ιουνίου Ιουλίου Αυγούστου Σεπτεμβρίου Οκτωβρίου Νοεμβρίου Δεκεμβρίου'.split(),
    'pt': 'janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro'.split(),
    'sv': 'januari februari mars april maj juni juli augusti september oktober november december'.split(),
    'no': 'januar februar mars april mai juni juli august september oktober november desember'.split(),
    'da': 'januar februar marts april maj juni juli august september oktober november december'.split(),
    'fi': 'tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta syyskuuta lokakuuta marraskuuta joulukuuta'.split(),
    'nl': 'januari februari maart april mei juni juli augustus september oktober november december'.split(),
    'cy': 'Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr'.split(),
    'ro': 'ian. feb. mar. apr. mai iun. iul. aug. sept. oct. nov. dec.'.split(),
    'ar': 'يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر'.split(),
}

WDA = {
    'en': 'Mon Tue Wed Thu Fri Sat Sun'.split(),
    'de': 'Mo. Di. Mi. Do. Fr. Sa. So.'.split(),
    'ru': 'пн вт ср чт пт сб вс'.split(),
    'da': 'man. tirs. ons. tors. fre. lør. søn.'.split(),
    'nl': 'ma di wo do vr za zo'.split(),
    'fr': 'lun. mar. mer. jeu. ven. sam. dim.'.split(),
    'es': 'lun mar mié jue vie sáb dom'.split(),
    'pl': 'pon. wt. śr. czw. pt. sob. niedz.'.split(),
    'sv': 'mån tis ons tors fre lör sön'.split(),
    'no': 'man. tir. ons. tor. fre. lør. søn.'.split(),
}
MONA = {
    'en': 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(),
    'de': 'Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.'.split(),
    'ru': 'янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек.'.split(),
    'da': 'jan. feb. mar. apr. maj jun. jul. aug. sep. okt. nov. dec.'.split(),
    'nl': 'jan feb mrt apr mei jun jul aug sep okt nov dec'.split(),
    'fr': 'janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.'.split(),
    'es': 'ene feb mar abr may jun jul ago sept oct nov dic'.split(),
    'pl': 'sty lut mar kwi maj cze lip sie wrz paź lis gru'.split(),
    'sv': 'jan. feb. mars apr. maj juni juli aug. sep. okt. nov. dec.'.split(),
    'no': 'jan. feb. mar. apr. mai jun. jul. aug. sep. okt. nov. des.'.split(),
}


def D(s):
    """'2026-01-12 10:15' (+ optional ' +0100') -> aware datetime."""
    parts = s.split()
    off = parts[2] if len(parts) > 2 else '+0000'
    sign = 1 if off[0] == '+' else -1
    tz = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
    return dt.datetime.strptime(parts[0] + ' ' + parts[1], '%Y-%m-%d %H:%M').replace(tzinfo=tz, second=(len(s) * 7) % 60)


def F(d, lang, pat):
    """Format datetime with a pattern of {wd} {wd3} {d} {dd} {mon} {mon3} {m} {mm} {Y} {yy} {H} {HH} {M} {S} {h} {ap} {AP}."""
    wd = WD.get(lang, WD['en'])[d.weekday()]
    mon = MON.get(lang, MON['en'])[d.month - 1]
    h12 = d.hour % 12 or 12
    wdA = WDA.get(lang, WDA['en'])[d.weekday()]
    monA = MONA.get(lang, MONA['en'])[d.month - 1]
    return pat.format(wdA=wdA, monA=monA, wd=wd, wd3=wd[:3], Wd2=wd[:2], d=d.day, dd='%02d' % d.day, mon=mon, mon3=mon[:3],
                      m=d.month, mm='%02d' % d.month, Y=d.year, yy='%02d' % (d.year % 100),
                      H=d.hour, HH='%02d' % d.hour, M='%02d' % d.minute, S='%02d' % d.second,
                      h=h12, ap='am' if d.hour < 12 else 'pm', AP='AM' if d.hour < 12 else 'PM',
                      KAP='오전' if d.hour < 12 else '오후', ARAP='ص' if d.hour < 12 else 'م',
                      GRAP='π.μ.' if d.hour < 12 else 'μ.μ.', JAP='午前' if d.hour < 12 else '午後',
                      ord={1: 'st', 2: 'nd', 3: 'rd', 21: 'st', 22: 'nd', 23: 'rd', 31: 'st'}.get(d.day, 'th'))


def rfcdate(d):
    return F(d, 'en', '{wd3}, {d} {mon3} {Y} {HH}:{M}:{S} ') + d.strftime('%z')


# ---------------------------------------------------------------- MIME helpers
def h(name, tag):
    return hashlib.sha1((name + tag).encode()).hexdigest()


def enc_word(s, mode='B'):
    if all(ord(c) < 128 for c in s):
        return s
    if mode == 'Q':
        out = ''
        for b in s.encode('utf-8'):
            c = chr(b)
            if c.isalnum() and b < 128:
                out += c
            elif c == ' ':
                out += '_'
            else:
                out += '=%02X' % b
        return '=?UTF-8?Q?' + out + '?='
    return '=?UTF-8?B?' + base64.b64encode(s.encode('utf-8')).decode() + '?='


def addr(name, email, mode='B'):
    if not name:
        return email
    if all(ord(c) < 128 for c in name):
        if re.search(r'[,.;:()@"]', name):
            return '"%s" <%s>' % (name.replace('"', ''), email)
        return '%s <%s>' % (name, email)
    return '%s <%s>' % (enc_word(name, mode), email)


def encode_body(text, cte, charset='utf-8'):
    text = text.replace('\r\n', '\n')
    raw = text.encode(charset)
    if cte == 'quoted-printable':
        return quopri.encodestring(raw).decode('ascii')
    if cte == 'base64':
        return base64.encodebytes(text.replace('\n', '\r\n').encode(charset)).decode('ascii')
    return text  # 7bit / 8bit


def leaf(ctype, text, cte='quoted-printable', charset='utf-8', extra=''):
    hdr = 'Content-Type: %s; charset="%s"\n' % (ctype, charset)
    hdr += 'Content-Transfer-Encoding: %s\n' % cte
    hdr += extra
    return hdr + '\n' + encode_body(text, cte, charset)


def multipart(sub, parts, boundary):
    s = 'Content-Type: multipart/%s;\n\tboundary="%s"\n\n' % (sub, boundary)
    for p in parts:
        s += '--%s\n%s\n' % (boundary, p.rstrip('\n') + '\n' if not p.endswith('\n') else p)
    s += '--%s--\n' % boundary
    return s


def text_to_html(text, wrap='div'):
    out = []
    for line in text.split('\n'):
        e = html.escape(line, quote=False)
        out.append(e if e else '<br>')
    inner = ''.join('<div>%s</div>\n' % l for l in out)
    return '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n<body>\n%s</body></html>\n' % inner


def boundary_for(client, name):
    x = h(name, 'b')
    if client.startswith('outlook') or client in ('exchange-legacy', 'owa'):
        return '_000_%s%s_' % (x[:20].upper(), 'EXAMPLECOUNCIL')
    if client.startswith('gmail') or client == 'hubspot':
        return '000000000000' + x[:16]
    if client in ('yahoo', 'aol'):
        return '----=_Part_%d_%d.%d' % (int(x[:6], 16), int(x[6:12], 16), 1767225600000 + int(x[12:16], 16))
    if client in ('apple-mail', 'ios-mail'):
        return 'Apple-Mail=_' + x[:8].upper() + '-' + x[8:12].upper() + '-' + x[12:16].upper()
    if client == 'protonmail':
        return 'b1_' + x[:40]
    return '=_' + x[:24]


def message(headers, body_mime):
    """headers: list of (k, v). body_mime: string beginning with Content-Type etc."""
    s = ''.join('%s: %s\n' % kv for kv in headers)
    s += 'MIME-Version: 1.0\n' + body_mime
    return s.replace('\r\n', '\n').replace('\n', '\r\n').encode('utf-8')


def std_headers(name, frm, to, subject, date, client, extra=()):
    dom = frm[1].split('@')[1]
    hs = [('From', addr(*frm)), ('To', addr(*to)), ('Subject', enc_word(subject)),
          ('Date', rfcdate(date)), ('Message-ID', '<%s@%s>' % (h(name, 'mid')[:24], dom))]
    hs += list(extra)
    return hs


def body_parts(name, client, text, mode='alt', cte='quoted-printable', html_text=None):
    """mode: text | alt | html"""
    if mode == 'text':
        return leaf('text/plain', text, cte)
    hpart = leaf('text/html', html_text or text_to_html(text), cte)
    if mode == 'html':
        return hpart
    return multipart('alternative', [leaf('text/plain', text, cte), hpart], boundary_for(client, name))


# ---------------------------------------------------------------- people
SPOC = ('SPOC Team', 'spoc@council.example')
SPOC_TO = ('SPOC', 'spoc@council.example')


def write(folder, name, eml, meta):
    p = os.path.join(OUT, folder)
    with open(os.path.join(p, name + '.eml'), 'wb') as f:
        f.write(eml)
    with open(os.path.join(p, name + '.json'), 'w', encoding='utf-8') as f:
        json.dump(meta, f, ensure_ascii=False, indent=2)
        f.write('\n')


# ================================================================ FORWARDS
def nm(o):
    return addr(o['name'], o['email']) if o['name'] else o['email']


def raw_from(o):  # unencoded display used inside bodies
    if o['name'] is None:
        return o['email']
    if o['email'] is None:
        return o['name']
    return '%s <%s>' % (o['name'], o['email'])


def to_s(o):
    t = o.get('to') or SPOC_TO
    return '%s <%s>' % t if t[0] else t[1]


# --- localized Outlook desktop label sets: From, Sent, To, Cc, Subject, date pattern
OUTLOOK_L10N = {
    'pl': ('Od', 'Wysłane', 'Do', 'DW', 'Temat', '{wd}, {d} {mon} {Y} {HH}:{M}'),
    'cs': ('Od', 'Odesláno', 'Komu', 'Kopie', 'Předmět', '{wd} {d}. {mon} {Y} {H}:{M}'),
    'hu': ('Feladó', 'Elküldve', 'Címzett', 'Másolatot kap', 'Tárgy', '{Y}. {mon} {d}., {wd} {H}:{M}'),
    'uk': ('Від', 'Надіслано', 'Кому', 'Копія', 'Тема', '{wd}, {d} {mon} {Y} р. {H}:{M}'),
    'zh': ('发件人', '发送时间', '收件人', '抄送', '主题', '{Y}年{m}月{d}日 {H}:{M}'),
    'ko': ('보낸 사람', '보낸 날짜', '받는 사람', '참조', '제목', '{Y}년 {m}월 {d}일 {wd} {KAP} {h}:{M}'),
    'ar': ('من', 'تم الإرسال', 'إلى', 'نسخة', 'الموضوع', '{wd}، {d} {mon}، {Y} {h}:{M} {ARAP}'),
    'tr': ('Kimden', 'Gönderildi', 'Kime', 'Bilgi', 'Konu', '{d} {mon} {Y} {wd} {HH}:{M}'),
    'el': ('Από', 'Στάλθηκε', 'Προς', 'Κοιν.', 'Θέμα', '{wd}, {d} {mon} {Y} {h}:{M} {GRAP}'),
    'pt': ('De', 'Enviado', 'Para', 'Cc', 'Assunto', '{wd}, {d} de {mon} de {Y} {HH}:{M}'),
    'sv': ('Från', 'Skickat', 'Till', 'Kopia', 'Ämne', 'den {d} {mon} {Y} {HH}:{M}'),
    'no': ('Fra', 'Sendt', 'Til', 'Kopi', 'Emne', '{wd} {d}. {mon} {Y} {HH}:{M}'),
    'da': ('Fra', 'Sendt', 'Til', 'Cc', 'Emne', '{d}. {mon} {Y} {HH}:{M}'),
    'fi': ('Lähettäjä', 'Lähetetty', 'Vastaanottaja', 'Kopio', 'Aihe', '{wd} {d}. {mon} {Y} {H}.{M}'),
    'nl': ('Van', 'Verzonden', 'Aan', 'CC', 'Onderwerp', '{wd} {d} {mon} {Y} {HH}:{M}'),
    'cy': ('Oddi wrth', 'Anfonwyd', 'At', 'Cc', 'Pwnc', '{wd}, {d} {mon} {Y} {HH}:{M}'),
}

# --- localized Thunderbird forward headers: separator, Subject, Date, From, To, date pattern, colon
TB_L10N = {
    'pl': ('Przekazana wiadomość', 'Temat', 'Data', 'Od', 'Do', '{dd}.{mm}.{Y} {HH}:{M}', ':'),
    'cs': ('Přeposlaná zpráva', 'Předmět', 'Datum', 'Od', 'Komu', '{d}. {m}. {Y} {H}:{M}', ':'),
    'hu': ('Továbbított üzenet', 'Tárgy', 'Dátum', 'Feladó', 'Címzett', '{Y}. {mm}. {dd}. {H}:{M}', ':'),
    'uk': ('Пересланий лист', 'Тема', 'Дата', 'Від', 'Кому', '{dd}.{mm}.{Y} {HH}:{M}', ':'),
    'zh': ('转发的消息', '主题', '日期', '发件人', '收件人', '{Y}/{m}/{d} {H}:{M}', '：'),
    'ko': ('전달된 메시지', '제목', '날짜', '보낸 사람', '받는 사람', '{Y}. {m}. {d}. {KAP} {h}:{M}', ':'),
    'ar': ('الرسالة المُعاد توجيهها', 'الموضوع', 'التاريخ', 'من', 'إلى', '{d}/{m}/{Y} {h}:{M} {ARAP}', ':'),
    'tr': ('İletilen Mesaj', 'Konu', 'Tarih', 'Kimden', 'Kime', '{dd}.{mm}.{Y} {HH}:{M}', ':'),
    'el': ('Προωθημένο μήνυμα', 'Θέμα', 'Ημερομηνία', 'Από', 'Προς', '{d}/{m}/{Y} {h}:{M} {GRAP}', ':'),
    'pt': ('Mensagem encaminhada', 'Assunto', 'Data', 'De', 'Para', '{dd}/{mm}/{Y} {HH}:{M}', ':'),
    'sv': ('Vidarebefordrat meddelande', 'Ämne', 'Datum', 'Från', 'Till', '{Y}-{mm}-{dd} {HH}:{M}', ':'),
    'no': ('Videresendt melding', 'Emne', 'Dato', 'Fra', 'Til', '{dd}.{mm}.{Y} {HH}:{M}', ':'),
    'da': ('Videresendt meddelelse', 'Emne', 'Dato', 'Fra', 'Til', '{dd}.{mm}.{Y} {HH}.{M}', ':'),
    'fi': ('Välitetty viesti', 'Aihe', 'Päivämäärä', 'Lähettäjä', 'Vastaanottaja', '{d}.{m}.{Y} {H}.{M}', ':'),
    'nl': ('Doorgestuurd bericht', 'Onderwerp', 'Datum', 'Van', 'Aan', '{dd}-{mm}-{Y} {HH}:{M}', ':'),
    'cy': ("Neges wedi'i Anfon Ymlaen", 'Pwnc', 'Dyddiad', 'Oddi wrth', 'At', '{dd}/{mm}/{Y} {HH}:{M}', ':'),
}


def st_outlook_l10n(lang, underscore=False):
    f, s, t, c, sj, pat = OUTLOOK_L10N[lang]

    def st(o):
        out = '________________________________\n' if underscore else ''
        out += '%s: %s\n%s: %s\n%s: %s\n' % (f, raw_from(o), s, F(o['date'], lang, pat), t, to_s(o))
        if o.get('cc'):
            out += '%s: %s\n' % (c, o['cc'])
        out += '%s: %s\n' % (sj, o['subject'])
        return out
    return st


def st_tb_l10n(lang):
    sep, sj, da, fr, to, pat, col = TB_L10N[lang]
    sp = '' if col == '：' else ' '

    def st(o):
        return ('-------- %s --------\n%s%s%s%s\n%s%s%s%s\n%s%s%s%s\n%s%s%s%s\n' % (
            sep, sj, col, sp, o['subject'], da, col, sp, F(o['date'], lang, pat),
            fr, col, sp, raw_from(o), to, col, sp, to_s(o)))
    return st


def tpl(text, lang, pat, fromfmt=raw_from):
    def st(o):
        return text.format(FROM=fromfmt(o), TO=to_s(o), SUBJ=o['subject'], DATE=F(o['date'], lang, pat), EMAIL=o['email'] or '',
                           NAME=o['name'] or '')
    return st


NB = '\u00a0'
STYLES = {
    'yahoo_en_gb': tpl('----- Forwarded Message -----\nFrom: {FROM}\nTo: {TO}\nSent: {DATE}\nSubject: {SUBJ}\n', 'en', '{wd}, {d} {mon} {Y}, {HH}:{M}:{S} GMT'),
    'yahoo_en_us': tpl('----- Forwarded Message -----\nFrom: {FROM}\nTo: {TO}\nSent: {DATE}\nSubject: {SUBJ}\n', 'en', '{wd}, {mon} {d}, {Y}, {h}:{M}:{S} {AP} EST'),
    'yahoo_de': tpl('----- Weitergeleitete Nachricht -----\nVon: {FROM}\nAn: {TO}\nGesendet: {DATE}\nBetreff: {SUBJ}\n', 'de', '{wd}, {d}. {mon} {Y}, {HH}:{M}:{S} MEZ'),
    'yahoo_es': tpl('----- Mensaje reenviado -----\nDe: {FROM}\nPara: {TO}\nEnviado: {DATE}\nAsunto: {SUBJ}\n', 'es', '{wd}, {d} de {mon} de {Y}, {HH}:{M}:{S} CET'),
    'yahoo_fr': tpl('----- Message transféré -----\nDe' + NB + ': {FROM}\nÀ' + NB + ': {TO}\nEnvoyé' + NB + ': {DATE}\nObjet' + NB + ': {SUBJ}\n', 'fr', '{wd} {d} {mon} {Y} à {HH}:{M}:{S} UTC+1'),
    'yahoo_fr_plain': tpl('----- Message transféré -----\nDe : {FROM}\nÀ : {TO}\nEnvoyé : {DATE}\nObjet : {SUBJ}\n', 'fr', '{wd} {d} {mon} {Y} {HH}:{M}:{S} UTC'),
    'yahoo_it': tpl('----- Messaggio inoltrato -----\nDa: {FROM}\nA: {TO}\nInviato: {DATE}\nOggetto: {SUBJ}\n', 'it', '{wd} {d} {mon} {Y}, {HH}:{M}:{S} CET'),
    'outlook_mac_onwrote': tpl('On {DATE}, "{NAME}" <{EMAIL}> wrote:\n', 'en', '{dd}/{mm}/{Y}, {HH}:{M}'),
    'outlook_onwrote_long': tpl('________________________________\nOn {DATE}, {FROM} wrote:\n', 'en', '{wd}, {d} {mon} {Y} {HH}:{M}'),
    'outlook_onwrote_subject': tpl('-------- Forwarded message --------\nOn {DATE}, {FROM} wrote:\nSubject: {SUBJ}\nTo: {TO}\n', 'en', '{wd3}, {d} {mon3} {Y} at {HH}:{M}'),
    'exch_orig_mailto': tpl('-----Original Message-----\nFrom: {NAME} [mailto:{EMAIL}] \nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{d} {mon} {Y} {HH}:{M}'),
    'exch_orig_us': tpl('-----Original Message-----\nFrom: {FROM}\nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{wd}, {mon} {d}, {Y} {h}:{M} {AP}'),
    'exch_orig_addronly': tpl('-----Original Message-----\nFrom: {EMAIL} [mailto:{EMAIL}] \nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{wd}, {d} {mon} {Y} {HH}:{M}'),
    'aol_classic': tpl('-----Original Message-----\nFrom: {FROM}\nTo: {TO}\nSent: {DATE}\nSubject: {SUBJ}\n', 'en', '{wd3}, {mon3} {d}, {Y} {h}:{M} {ap}'),
    'aol_new': tpl('----- Forwarded Message -----\nFrom: {FROM}\nTo: {TO}\nSent: {DATE}\nSubject: {SUBJ}\n', 'en', '{wd}, {d} {mon} {Y} at {HH}:{M}:{S} GMT'),
    'zoho': tpl('============ Forwarded message ============\nFrom : {NAME}<{EMAIL}>\nTo : {TO}\nDate : {DATE}\nSubject : {SUBJ}\n============ Forwarded message ============\n', 'en', '{wd3}, {dd} {mon3} {Y} {HH}:{M}:{S} +0000'),
    'zoho_named_date': tpl('============ Forwarded message ============\nFrom : {NAME}<{EMAIL}>\nTo : {TO}\nDate : {DATE}\nSubject : {SUBJ}\n============ Forwarded message ============\n', 'en', '{wd3}, {dd} {mon3} {Y} {HH}:{M}:{S} +0100'),
    'proton': tpl('------- Forwarded Message -------\nFrom: {FROM}\nDate: {DATE}\nSubject: {SUBJ}\nTo: {TO}\n', 'en', 'On {wd}, {mon} {d}{ord}, {Y} at {h}:{M} {AP}'),
    'fastmail': tpl('----- Original message -----\nFrom: {FROM}\nTo: {TO}\nSubject: {SUBJ}\nDate: {DATE}\n', 'en', '{wd3}, {d} {mon3} {Y}, at {HH}:{M}'),
    'hubspot_en': tpl('---------- Forwarded message ---------\nFrom: {FROM}\nDate: {DATE}\nSubject: {SUBJ}\nTo: {TO}\n', 'en', '{wd3}, {mon3} {d}, {Y} at {h}:{M} {AP}'),
    'hubspot_ja': tpl('---------- 転送されたメッセージ ----------\n差出人: {FROM}\n日付: {DATE}\n件名: {SUBJ}\n宛先: {TO}\n', 'ja', '{Y}年{m}月{d}日({wd}) {H}:{M}'),
    'hubspot_ja_gmailish': tpl('---------- Forwarded message ---------\nFrom: {FROM}\nDate: {DATE}\nSubject: {SUBJ}\nTo: {TO}\n', 'ja', '{Y}年{m}月{d}日({wd}) {JAP}{h}:{M}'),
    'salesforce': tpl('--------------- Original Message ---------------\nFrom: {NAME} [{EMAIL}]\nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{dd}/{mm}/{Y} {HH}:{M}'),
    'dynamics': tpl('From: {FROM}\nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{dd}/{mm}/{Y} {HH}:{M}:{S}'),
    'gmail_ro': tpl('---------- Forwarded message ---------\nDe la: {FROM}\nDate: {DATE}\nSubject: {SUBJ}\nTo: {TO}\n', 'ro', '{wd3}., {d} {mon} {Y} la {HH}:{M}'),
    'gmail_ro_full': tpl('---------- Mesaj redirecționat ---------\nDe la: {FROM}\nData: {DATE}\nSubiect: {SUBJ}\nCătre: {TO}\n', 'ro', '{wd3}., {d} {mon} {Y}, {HH}:{M}'),
    'outlook_en': tpl('From: {FROM}\nSent: {DATE}\nTo: {TO}\nSubject: {SUBJ}\n', 'en', '{wd}, {d} {mon} {Y} {HH}:{M}'),
    'gmail_en': tpl('---------- Forwarded message ---------\nFrom: {FROM}\nDate: {DATE}\nSubject: {SUBJ}\nTo: {TO}\n', 'en', '{wd3}, {d} {mon3} {Y} at {HH}:{M}'),
}
for _l in OUTLOOK_L10N:
    STYLES['outlook_' + _l] = st_outlook_l10n(_l, underscore=_l in ('cs', 'uk', 'el', 'sv', 'fi', 'cy'))
    STYLES['tb_' + _l] = st_tb_l10n(_l)


def dispdate(o):
    return o['date'].strftime('%Y-%m-%d')


FWD = []


def fwd(name, client, lang, kind, fwder, fdate, intro, levels, body, contains=None, mode='alt', cte='quoted-printable',
        notes='', outer_subject=None, chain_clients=None, html_text=None, attach=None, exp_override=None):
    FWD.append(dict(name=name, client=client, lang=lang, kind=kind, fwder=fwder, fdate=fdate, intro=intro, levels=levels,
                    body=body, contains=contains, mode=mode, cte=cte, notes=notes, outer_subject=outer_subject,
                    chain_clients=chain_clients, html_text=html_text, attach=attach, exp_override=exp_override))


def O(style, name, email, date, subject, to=None, cc=None, intro='', exp_name=Ellipsis, exp_email=Ellipsis, exp_subject=None):
    return dict(style=style, name=name, email=email, date=D(date), subject=subject, to=to, cc=cc, intro=intro,
                exp_name=name if exp_name is Ellipsis else exp_name,
                exp_email=email if exp_email is Ellipsis else exp_email, exp_subject=exp_subject or subject)


def build_forward(f):
    levels = f['levels']
    parts = [f['intro'].rstrip('\n') + '\n']
    prev = f['fwder']
    for i, lv in enumerate(levels):
        if lv['to'] is None:
            lv['to'] = prev
        prev = (lv['name'], lv['email'] or 'unknown@example.invalid')
        if lv['intro']:
            parts.append(lv['intro'].rstrip('\n') + '\n')
        parts.append(STYLES[lv['style']](lv))
    text = '\n'.join(parts) + '\n' + f['body'].rstrip('\n') + '\n'
    top = levels[0]
    pre = 'FW: ' if f['client'].startswith('outlook') or f['client'] in ('exchange-legacy', 'salesforce', 'dynamics-crm') else 'Fwd: '
    osub = f['outer_subject'] or (pre + top['subject'])
    frm = f['fwder']
    hdrs = std_headers(f['name'], frm, SPOC_TO, osub, D(f['fdate']), f['client'])
    if f['client'].startswith('outlook') or f['client'] in ('exchange-legacy', 'owa'):
        hdrs.append(('Thread-Topic', enc_word(top['subject'])))
        hdrs.append(('Content-Language', 'en-GB'))
    if f['client'] == 'yahoo':
        hdrs.append(('X-Mailer', 'WebService/1.1.24866 YMailNorrin'))
    if f['client'] == 'zoho':
        hdrs.append(('User-Agent', 'Zoho Mail'))
        hdrs.append(('X-Mailer', 'Zoho Mail'))
    if f['client'] == 'mail-ru':
        hdrs.append(('X-Mailer', 'Mail.Ru Mailer 1.0'))
    if f['attach'] is not None:
        return hdrs, text, None
    body = body_parts(f['name'], f['client'], text, f['mode'], f['cte'], f['html_text'](text) if f['html_text'] else None)
    return hdrs, text, message(hdrs, body)


def emit_forwards():
    for f in FWD:
        if f['attach'] is not None:
            eml = build_attached(f)
        else:
            _, _, eml = build_forward(f)
        exp = []
        for lv in f['levels']:
            exp.append({'from': {'name': lv['exp_name'], 'email': lv['exp_email']}, 'date': dispdate(lv), 'subject': lv['exp_subject']})
        if f['exp_override']:
            exp = f['exp_override']
        contains = f['contains'] or first_sentence(f['body'])
        meta = {'client': f['client'], 'language': f['lang'], 'kind': f['kind'], 'forwarded': exp,
                'original_body_contains': contains, 'notes': f['notes']}
        if f['chain_clients']:
            meta['chain_clients'] = f['chain_clients']
        write('forwards', f['name'], eml, meta)


def first_sentence(body):
    lines = [l for l in body.split('\n') if l.strip()]
    for l in lines:
        if len(l) > 25 and not l.rstrip().endswith(','):
            m = re.match(r'(.+?[.!?。])(\s|$)', l.strip())
            return m.group(1) if m else l.strip()
    return lines[0].strip()


def build_attached(f):
    """f['attach'] = dict(inner_from, inner_to, inner_date, inner_subject, inner_body, inner_client, inner_cte, inner_mode)"""
    a = f['attach']
    iname = f['name'] + '_inner'
    ih = std_headers(iname, a['from'], a.get('to', f['fwder']), a['subject'], D(a['date']), a.get('client', 'gmail'))
    inner = message(ih, body_parts(iname, a.get('client', 'gmail'), a['body'], a.get('mode', 'text'), a.get('cte', 'quoted-printable')))
    osub = f['outer_subject']
    hdrs = std_headers(f['name'], f['fwder'], SPOC_TO, osub, D(f['fdate']), f['client'])
    b = boundary_for(f['client'], f['name'])
    intro_part = leaf('text/plain', f['intro'], f['cte'])
    fn = a.get('filename', a['subject'][:40] + '.eml')
    att = ('Content-Type: message/rfc822; name="%s"\nContent-Disposition: attachment; filename="%s"\n\n' % (enc_word(fn), enc_word(fn))
           + inner.decode('utf-8').replace('\r\n', '\n'))
    return message(hdrs, multipart('mixed', [intro_part, att], b))


# ---------------------------------------------------------------- forward data
B = {
    'bins': "Hello,\n\nOur green recycling bin has not been collected for the third week running on Mayfield Close.\nThe crew seem to skip the cul-de-sac entirely and the bin is now overflowing.\n\nCould someone please look into this?\n\nThanks,\n{N}",
    'pothole': "Dear Sir or Madam,\n\nThere is a deep pothole outside 14 Station Road that has already damaged two tyres this month.\nIt fills with water when it rains so drivers cannot see how deep it is.\n\nPlease arrange a repair before someone is hurt.\n\nYours faithfully\n{N}",
    'noise': "Hi,\n\nI am writing to report ongoing noise from the flat above us at Harbour Court.\nMusic is played loudly after midnight most weekends and we have two small children.\nWe have tried speaking to the neighbours but nothing has changed.\n\nRegards\n{N}",
    'ctax': "Good morning,\n\nI moved out of 7 Linden Grove on 30 September but I am still being billed council tax for the property.\nI sent my new address through the online form but never received a reply.\n\nMany thanks\n{N}",
    'flytip': "Hello,\n\nSomeone has dumped a mattress and several bags of rubbish in the lane behind Orchard Terrace.\nIt has been there since Saturday and foxes are pulling the bags apart.\n\nKind regards,\n{N}",
    'light': "Hi there,\n\nThe street light outside number 22 Elm Crescent has been flickering and now does not come on at all.\nThe path is very dark in the evenings and my elderly mother is nervous walking home.\n\nThank you\n{N}",
    'parking': "Dear Council,\n\nI applied for a resident parking permit for Kingsway Zone B six weeks ago and have heard nothing.\nI have already received one penalty notice while waiting.\n\nBest wishes,\n{N}",
    'planning': "Dear Planning Team,\n\nI wish to object to application 26/01234/FUL for the extension at 3 Mill Lane.\nThe proposed two-storey wall would block most of the daylight to our kitchen.\n\nYours sincerely,\n{N}",
    'damp': "Hello,\n\nThere is black mould spreading across the bedroom ceiling in our council flat at 41 Beech House.\nI reported it in October and a surveyor was supposed to visit but nobody came.\n\nThanks\n{N}",
    'tree': "Hi,\n\nA large branch from the council-owned oak on Park View has split and is hanging over the pavement.\nIt looks like it could fall in the next storm.\n\nRegards,\n{N}",
    'dog': "Hello,\n\nThe playing field on Chestnut Avenue has become covered in dog mess again.\nThe bin by the gate has been missing since the summer.\n\n{N}",
    'graffiti': "Dear team,\n\nOffensive graffiti has been sprayed on the wall of the underpass near Riverside School.\nChildren walk past it every morning and I would be grateful if it could be removed quickly.\n\nMany thanks,\n{N}",
    'transport': "Hello,\n\nMy son's school transport taxi did not arrive this morning or yesterday afternoon.\nNobody from the transport team answered the phone when I called.\n\nRegards\n{N}",
    'badge': "Good afternoon,\n\nI submitted my Blue Badge renewal in November and my current badge expires at the end of this month.\nCould you tell me whether the application has been processed?\n\nThank you,\n{N}",
    'allot': "Hi,\n\nI have been on the allotment waiting list for Greenfield Road since 2023.\nCould you tell me where I am on the list now?\n\nCheers\n{N}",
    'pest': "Hello,\n\nWe have seen rats coming from the drain at the back of the shops on Market Street.\nOur garden backs onto it and we are worried about the children.\n\nKind regards\n{N}",
    'vehicle': "Dear Sir/Madam,\n\nA silver van with no number plates has been left on the verge outside 9 Heather Way for over a month.\nThe windows are now smashed and there is glass on the path.\n\nYours faithfully,\n{N}",
    'gritting': "Hello,\n\nHill Top Road was not gritted during the frost last night and two cars slid into the wall.\nIs the road on the gritting route?\n\nThanks,\n{N}",
    'flood': "Hi,\n\nThe drain at the junction of Brook Street and Wharf Lane is blocked and the road floods every time it rains.\nWater came up to our front door on Tuesday.\n\nRegards,\n{N}",
    'hb': "Dear Benefits Team,\n\nMy housing benefit payments stopped in January without any letter explaining why.\nI am now in arrears with my rent and very worried.\n\nYours sincerely\n{N}",
    'licence': "Hello,\n\nThe pub on Castle Street is regularly playing live music in the beer garden past eleven at night.\nI understood their licence only allows this until ten.\n\nRegards\n{N}",
    'playground': "Hello,\n\nThe swings in Victoria Park playground have been chained up for two months with a sign saying repair pending.\nWhen will they be fixed?\n\nMany thanks\n{N}",
    'assisted': "Dear Council,\n\nI am registered for an assisted bin collection because of my disability but the crew left my bins at the kerb again.\nI cannot move them back myself.\n\nThank you\n{N}",
    'hedge': "Hi,\n\nThe hedge at the corner of Wells Road has grown so far over the footpath that pushchairs have to go into the road.\nIt also blocks the view for drivers turning out.\n\nBest regards\n{N}",
    'speed': "Good evening,\n\nCars regularly race down Long Lane at well over the 20mph limit after the school run.\nWe would like to ask for speed humps or a camera.\n\nKind regards,\n{N}",
    'footpath': "Hello,\n\nThe public footpath from Ashby Lane to the canal is completely overgrown with brambles.\nIt has not been cut this year as far as I can tell.\n\nThanks\n{N}",
    'library': "Hi,\n\nThe lift at Central Library has been out of order for three weeks so I cannot reach the first floor.\nIs there any date for the repair?\n\nRegards\n{N}",
    'leisure': "Dear team,\n\nI was charged twice for my leisure centre membership in December.\nPlease refund the duplicate payment of 32 pounds.\n\nThank you\n{N}",
    'busstop': "Hello,\n\nThe glass in the bus shelter on Queens Road has been smashed for a fortnight.\nThere is broken glass on the seat and nowhere dry to wait.\n\nKind regards\n{N}",
    'skip': "Hi,\n\nA skip has been left on the road outside 16 Rose Lane for five weeks without any lights at night.\nI cannot see a permit on it.\n\nThanks\n{N}",
}
# localised resident bodies
BL = {
    'pl': "Dzień dobry,\n\nOd trzech tygodni nikt nie odebrał śmieci z naszej ulicy Mayfield Close.\nKosze są przepełnione i zaczynają śmierdzieć.\n\nPozdrawiam\n{N}",
    'cs': "Dobrý den,\n\nPřed domem číslo 12 na Station Road je velká díra v silnici.\nProsím o brzkou opravu.\n\nS pozdravem\n{N}",
    'hu': "Tisztelt Hivatal!\n\nA házunk előtti utcai lámpa két hete nem működik.\nEste teljesen sötét van a járdán.\n\nÜdvözlettel:\n{N}",
    'uk': "Добрий день,\n\nУ нашій квартирі на Beech House вже місяць тече дах.\nПрошу направити майстра якнайшвидше.\n\nЗ повагою,\n{N}",
    'zh': "您好，\n\n我家门前的垃圾桶已经两周没有人来收了。\n请尽快安排处理，谢谢。\n\n{N}",
    'ko': "안녕하세요,\n\n저희 집 앞 도로에 큰 구멍이 생겨서 차량이 파손되었습니다.\n빠른 수리를 부탁드립니다.\n\n감사합니다.\n{N}",
    'ar': "مرحباً،\n\nلم يتم جمع النفايات من شارعنا منذ أسبوعين.\nأرجو إرسال فريق التنظيف في أقرب وقت.\n\nمع الشكر،\n{N}",
    'tr': "Merhaba,\n\nEvimizin önündeki sokak lambası iki haftadır yanmıyor.\nAkşamları kaldırım tamamen karanlık oluyor.\n\nSaygılarımla,\n{N}",
    'el': "Καλησπέρα σας,\n\nΤο πάρκο δίπλα στο σπίτι μας είναι γεμάτο σκουπίδια εδώ και μια εβδομάδα.\nΠαρακαλώ στείλτε συνεργείο καθαρισμού.\n\nΜε εκτίμηση,\n{N}",
}

CL = ('Cllr Bethan Example', 'cllr.bethan.example@council.example')
CL2 = ('Cllr Rajesh Sample', 'rajesh.sample@members.council.example')
OF1 = ('Mark Testwood', 'mark.testwood@council.example')
OF2 = ('Hannah Placeholder', 'hannah.placeholder@council.example')
OF3 = ('Example, Tomasz', 'tomasz.example@council.example')
OF4 = ('Ffion Enghraifft', 'ffion.enghraifft@council.example')
CLSIG = "\n\nCllr Bethan Example\nMember for Northgate Ward\nExample District Council"
OFSIG = "\n\nMark Testwood\nNeighbourhood Services Officer\nT: 01632 960 123"


def b(key, n, lang=None):
    return (BL[lang] if lang else B[key]).replace('{N}', n)


# --- Yahoo
fwd('yahoo_en_gb_text', 'yahoo', 'en', 'inline', ('Gareth Sample', 'gareth.sample@yahoo.example'), '2026-01-14 09:30',
    'Forwarding this for my neighbour who is not online.' ,
    [O('yahoo_en_gb', 'Moira Fictional', 'moira.fictional@example.org', '2026-01-13 18:42', 'Missed recycling again')],
    b('bins', 'Moira'), notes='Yahoo Mail web (UK) forward: "----- Forwarded Message -----" with From/To/Sent/Subject; Sent has seconds and GMT.')
fwd('yahoo_en_us_html', 'yahoo', 'en', 'inline', ('Denise Example', 'denise_example@yahoo.example'), '2026-02-03 16:05',
    'Hi, see below. This was sent to me by mistake.',
    [O('yahoo_en_us', 'Example, Carl', 'carl.example@example.com', '2026-02-02 20:11', 'Pothole on Station Road', exp_name='Example, Carl')],
    b('pothole', 'Carl Example'), mode='alt', cte='base64',
    notes='Yahoo US-format Sent line (month-first, 12h, EST); quoted "Example, Carl" name; base64 bodies.')
fwd('yahoo_de', 'yahoo', 'de', 'inline', ('Jonas Beispiel', 'jonas.beispiel@yahoo.example'), '2026-03-10 08:15 +0100',
    'Hallo, bitte an die zuständige Stelle weiterleiten. Danke!\n\nPlease pass this on, thank you.',
    [O('yahoo_de', 'Klara Muster', 'klara.muster@example.de', '2026-03-09 22:47 +0100', 'Lärm aus der Nachbarwohnung')],
    b('noise', 'Klara Muster'), notes='German Yahoo forward: Weitergeleitete Nachricht / Von / An / Gesendet / Betreff; MEZ suffix.')
fwd('yahoo_de_umlaut_name', 'yahoo', 'de', 'inline', ('Jörg Prüfer', 'joerg.pruefer@yahoo.example'), '2026-04-21 12:02 +0200',
    'FYI - bitte bearbeiten.',
    [O('yahoo_de', 'Björn Größmann', 'bjoern.groessmann@example.de', '2026-04-20 07:30 +0200', 'Straßenlaterne defekt – Elm Crescent')],
    b('light', 'Björn'), cte='quoted-printable',
    notes='German Yahoo forward with umlauts in names (RFC 2047 in the outer From, QP body) and an en dash in the subject.')
fwd('yahoo_es', 'yahoo', 'es', 'inline', ('Lucía Ejemplo', 'lucia.ejemplo@yahoo.example'), '2026-05-06 10:10 +0200',
    'Hola, os reenvío el mensaje de mi vecina.\nForwarding my neighbour\'s message.',
    [O('yahoo_es', 'Carmen Prueba', 'carmen.prueba@example.es', '2026-05-05 23:58 +0200', 'Contenedor sin recoger')],
    b('flytip', 'Carmen'), notes='Spanish Yahoo forward: Mensaje reenviado / De / Para / Enviado / Asunto, late-evening date (local date kept).')
fwd('yahoo_es_us_to', 'yahoo', 'es', 'inline', ('Diego Muestra', 'diego.muestra@yahoo.example'), '2026-06-18 14:00 +0100',
    'Buenas tardes, ver abajo.',
    [O('yahoo_es', 'Ana Ficticia', 'ana.ficticia@example.net', '2026-06-17 09:12 +0100', 'RE: Permiso de aparcamiento', to=('Diego Muestra', 'diego.muestra@yahoo.example'))],
    b('parking', 'Ana Ficticia'), cte='base64',
    notes='Spanish Yahoo forward of a message whose subject already carries RE:; subject kept verbatim.')
fwd('yahoo_fr_nbsp', 'yahoo', 'fr', 'inline', ('Élodie Exemple', 'elodie.exemple@yahoo.example'), '2026-02-27 19:20 +0100',
    'Bonjour, je vous transfère ce message.',
    [O('yahoo_fr', 'Benoît Fictif', 'benoit.fictif@example.fr', '2026-02-27 08:05 +0100', 'Objection – demande de permis 26/01234/FUL')],
    b('planning', 'Benoît Fictif'), notes='French Yahoo forward with NO-BREAK SPACE before each colon (De\u00a0: …), "à" in the date.')
fwd('yahoo_fr_space', 'yahoo', 'fr', 'inline', ('Marc Essai', 'marc.essai@yahoo.example'), '2026-09-01 07:45 +0200',
    'Pour info.',
    [O('yahoo_fr_plain', None, 'sylvie.modele@example.fr', '2026-08-31 21:33 +0200', 'Moisissure dans le logement', exp_name=None)],
    b('damp', 'Sylvie'), notes='French Yahoo forward with ordinary space before colons; block shows only an address (name null).')
fwd('yahoo_it', 'yahoo', 'it', 'inline', ('Giulia Esempio', 'giulia.esempio@yahoo.example'), '2026-07-07 11:11 +0200',
    'Buongiorno, inoltro la segnalazione.',
    [O('yahoo_it', 'Marco Finto', 'marco.finto@example.it', '2026-07-06 17:40 +0200', 'Ramo pericoloso su Park View')],
    b('tree', 'Marco'), notes='Italian Yahoo forward: Messaggio inoltrato / Da / A / Inviato / Oggetto.')
fwd('yahoo_it_html_only', 'yahoo', 'it', 'html-only', ('Paola Prova', 'paola.prova@yahoo.example'), '2026-10-12 09:00 +0200',
    'Vi giro questa email.',
    [O('yahoo_it', 'Lorenzo Campione', 'lorenzo.campione@example.it', '2026-10-11 13:25 +0200', 'Graffiti offensivi nel sottopassaggio')],
    b('graffiti', 'Lorenzo Campione'), mode='html',
    html_text=lambda t: '<html><head></head><body><div class="ydp3f2a yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">' +
    ''.join('<div>%s</div>' % (html.escape(l) or '<br>') for l in t.split('\n')) + '</div></body></html>',
    notes='Italian Yahoo forward sent HTML-only (no text/plain part); "<" and ">" around the address are HTML-escaped.')

# --- Outlook "On ... wrote:" introduced blocks
fwd('outlook_mac_on_wrote_dayfirst', 'outlook-mac', 'en', 'inline', OF1, '2026-01-20 10:02',
    'Hi SPOC,\n\nPlease log the below for Street Scene.' + OFSIG,
    [O('outlook_mac_onwrote', 'Priya Sampleton', 'priya.sampleton@example.org', '2026-01-05 08:03', 'Dog fouling on Chestnut Avenue')],
    b('dog', 'Priya'), outer_subject='FW: Dog fouling on Chestnut Avenue',
    notes='Outlook (Mac/2019+) forward whose block is only an "On 05/01/2026, 08:03, "Name" <addr> wrote:" line, no From:/Subject: lines. '
          'Date is UK day-first (5 January, not 1 May). The block shows no subject, so the expected subject is taken from the forward\'s own subject minus "FW: " (uncertain convention).')
fwd('outlook_on_wrote_long', 'outlook-desktop', 'en', 'inline', OF2, '2026-03-03 15:20',
    'Morning,\n\nCan you raise this with Highways please? Resident has chased twice.\n\nThanks\nHannah',
    [O('outlook_onwrote_long', 'Oliver Fauxley', 'oliver.fauxley@example.com', '2026-03-02 19:44', 'Gritting on Hill Top Road')],
    b('gritting', 'Oliver Fauxley'), outer_subject='FW: Gritting on Hill Top Road',
    notes='Outlook 2019+ plain-text forward: underscore rule then "On Monday, 2 March 2026 19:44, Name <addr> wrote:"; no Subject line in block, expected subject from outer subject minus "FW: " (uncertain).')
fwd('outlook_on_wrote_with_subject', 'outlook-desktop', 'en', 'inline', CL2, '2026-04-14 09:09',
    'SPOC - another one for you, please acknowledge to the resident.\n\nRajesh',
    [O('outlook_onwrote_subject', 'Sandra Notreal', 'sandra.notreal@example.net', '2026-04-13 21:15', 'Flooding at Brook Street junction')],
    b('flood', 'Sandra'), cte='base64',
    notes='Forward block introduced by an "On Mon, 13 Apr 2026 at 21:15, Name <addr> wrote:" line, followed by Subject:/To: lines (no From: label).')

# --- Outlook / Exchange -----Original Message-----
fwd('exchange_original_message_mailto', 'exchange-legacy', 'en', 'inline', OF1, '2026-02-10 11:40',
    'Please see below - resident contacted me directly.' + OFSIG,
    [O('exch_orig_mailto', 'Trevor Imaginary', 'trevor.imaginary@example.org', '2026-02-09 16:58', 'Abandoned van on Heather Way')],
    b('vehicle', 'T. Imaginary'), mode='text', cte='7bit',
    notes='Exchange/Outlook 2003-2010 "-----Original Message-----" with "From: Name [mailto:addr] " (trailing blank) and UK date.')
fwd('exchange_original_message_us_quoted', 'exchange-legacy', 'en', 'inline', OF3, '2026-05-22 13:13',
    'FYI - for the benefits team.',
    [O('exch_orig_us', 'Example, Rosalind', 'rosalind.example@example.com', '2026-05-21 09:45', 'RE: Housing benefit stopped')],
    b('hb', 'Rosalind Example'),
    notes='Original Message block with US date order (May 21, 2026 9:45 AM); quoted "Last, First" name kept as shown; subject keeps its RE:.')
fwd('exchange_original_message_addr_only', 'exchange-legacy', 'en', 'inline', OF2, '2026-08-04 08:30',
    'Forwarded as discussed.',
    [O('exch_orig_addronly', None, 'k.nobody@example.net', '2026-08-03 17:02', 'Licensing - live music Castle Street', exp_name=None)],
    b('licence', 'K. Nobody'), mode='text',
    notes='Original Message block "From: x@y [mailto:x@y]" shows only an address -> name null.')

# --- AOL
fwd('aol_classic', 'aol', 'en', 'inline', ('Brenda Oldmail', 'brendaoldmail@aol.example'), '2026-01-28 20:14',
    'Dear Council, my sister asked me to send this on.',
    [O('aol_classic', 'Lillian Oldmail', 'lillianoldmail@aol.example', '2026-01-27 15:31', 'Assisted bin collection missed', to=('Brenda Oldmail', 'brendaoldmail@aol.example'))],
    b('assisted', 'Lillian'), notes='Classic AOL Mail forward: "-----Original Message-----" then From/To/Sent/Subject, Sent as "Tue, Jan 27, 2026 3:31 pm".')
fwd('aol_new_forwarded', 'aol', 'en', 'inline', ('Keith Dialup', 'keithdialup@aol.example'), '2026-06-02 07:55',
    'Sent on behalf of Mrs Dialup.',
    [O('aol_new', 'Joan Dialup', 'joan.dialup@example.org', '2026-06-01 22:10', 'Hedge blocking the footpath on Wells Road')],
    b('hedge', 'Joan Dialup'), cte='base64', notes='Current AOL web (Yahoo platform) forward: "----- Forwarded Message -----", Sent "... at 22:10:xx GMT".')

# --- Zoho
fwd('zoho_inline', 'zoho', 'en', 'inline', ('Anand Zeta', 'anand@zeta-lettings.example.com'), '2026-02-16 12:00 +0530',
    'Hi,\n\nForwarding a tenant complaint about one of our managed properties.\n\nRegards,\nAnand\nZeta Lettings',
    [O('zoho', 'Grace Tenantson', 'grace.tenantson@example.org', '2026-02-16 06:20 +0000', 'Rats behind Market Street shops')],
    b('pest', 'Grace'), notes='Zoho Mail forward: "============ Forwarded message ============" opening and closing rule, " : " labels, "Name<addr>" with no space.')
fwd('zoho_html_ampersand', 'zoho', 'en', 'inline', ('Felicity Zed', 'felicity@zoho.example'), '2026-11-03 18:00',
    'Please deal with this & let me know.',
    [O('zoho_named_date', 'Harold Q. Public', 'harold.public@example.com', '2026-11-02 23:30 +0100', 'Speeding on Long Lane & request for humps', exp_name='Harold Q. Public')],
    b('speed', 'Harold'), cte='base64',
    notes='Zoho forward (multipart/alternative, base64) with "&" in subject and a dotted name; date displayed in the block\'s +0100 (2 Nov).')

# --- ProtonMail
fwd('protonmail_inline', 'protonmail', 'en', 'inline', ('Quinn Cipher', 'quinn.cipher@proton.example'), '2026-03-19 09:41',
    'Forwarding below.\n\nSent with Proton Mail secure email.',
    [O('proton', 'Iris Privacy', 'iris.privacy@proton.example', '2026-03-18 14:02', 'Footpath overgrown Ashby Lane to canal')],
    b('footpath', 'Iris'), notes='ProtonMail forward: "------- Forwarded Message -------", Date "On Wednesday, March 18th, 2026 at 2:02 PM".')
fwd('protonmail_name_only', 'protonmail', 'en', 'inline', ('Rowan Veil', 'rowan.veil@proton.example'), '2026-09-23 16:16',
    'Hi, this came to our residents\' association inbox.',
    [O('proton', 'Edwin Shadowby', None, '2026-09-01 10:05', 'Library lift still broken', exp_email=None)],
    b('library', 'Edwin Shadowby'),
    notes='ProtonMail forward where the From line shows a name only (email null); "1st" ordinal in the date.')

# --- Fastmail
fwd('fastmail_inline', 'fastmail', 'en', 'inline', ('Nadia Quickpost', 'nadia@fastmail.example'), '2026-12-01 08:00',
    'For your attention.\n\n-- \n  Nadia Quickpost\n  nadia@fastmail.example',
    [O('fastmail', 'Ben Sampleford', 'ben.sampleford@example.org', '2026-11-30 19:19', 'Bus shelter glass smashed Queens Road')],
    b('busstop', 'Ben'), mode='text',
    notes='Fastmail forward: "----- Original message -----" with From/To/Subject/Date order; forwarder signature with "-- " delimiter above the block.')
fwd('fastmail_attached', 'fastmail', 'en', 'attached-rfc822', ('Nadia Quickpost', 'nadia@fastmail.example'), '2026-10-20 10:30',
    'Attached is the email from the resident about the skip.\n\nNadia\n', [], b('skip', 'Owen Placeholder'),
    outer_subject='Fwd: Skip outside 16 Rose Lane',
    attach=dict(**{'from': ('Owen Placeholder', 'owen.placeholder@example.net')}, date='2026-10-19 23:50 -0500',
                subject='Skip outside 16 Rose Lane', body=b('skip', 'Owen Placeholder'), cte='quoted-printable'),
    exp_override=[{'from': {'name': 'Owen Placeholder', 'email': 'owen.placeholder@example.net'}, 'date': '2026-10-19', 'subject': 'Skip outside 16 Rose Lane'}],
    notes='Fastmail "forward as attachment": message/rfc822 part; inner Date 23:50 -0500 -> 2026-10-19 (not converted to UTC).')

# --- HubSpot / CRM
fwd('hubspot_en', 'hubspot', 'en', 'inline', ('Community Hub (via HubSpot)', 'hub@community-hub.example.com'), '2026-02-12 14:30',
    'Hi Council team,\n\nA member of the public contacted our helpdesk about the below. Forwarding for your action.\n\nTicket #48213',
    [O('hubspot_en', 'Wendy Formfill', 'wendy.formfill@example.org', '2026-02-11 10:02', 'Playground swings chained up')],
    b('playground', 'Wendy'), notes='HubSpot conversations inbox forward (Gmail-style separator and field order, US date "Feb 11, 2026 at 10:02 AM").')
fwd('hubspot_ja', 'hubspot', 'ja', 'inline', ('Tanaka Hiroshi', 'h.tanaka@hub-partner.example.jp'), '2026-03-05 11:00 +0900',
    'ご担当者様\n\n住民からの問い合わせを転送いたします。\nPlease see the forwarded enquiry below.',
    [O('hubspot_ja', '山田 花子', 'hanako.yamada@example.jp', '2026-03-05 09:15 +0900', 'ゴミの収集について')],
    '山田と申します。\n先週からゴミが収集されていません。\nMy bins have not been collected since last week.\n\n山田 花子', contains='先週からゴミが収集されていません。',
    notes='HubSpot forward in Japanese: 転送されたメッセージ / 差出人 / 日付 / 件名 / 宛先, date 2026年3月5日(木) 9:15.')
fwd('hubspot_ja_english_labels', 'hubspot', 'ja', 'inline', ('佐藤 健', 'ken.sato@hub-partner.example.jp'), '2026-07-15 08:30 +0900',
    '転送します。',
    [O('hubspot_ja_gmailish', '鈴木 一郎', 'ichiro.suzuki@example.jp', '2026-07-14 16:45 +0900', '駐車許可証の申請')],
    'お世話になっております。\n六週間前に駐車許可証を申請しましたが、まだ連絡がありません。\n\n鈴木', contains='六週間前に駐車許可証を申請しましたが、まだ連絡がありません。',
    cte='base64', notes='HubSpot forward with English field labels but a Japanese date (2026年7月14日(火) 午後4:45); RFC 2047 Japanese names.')
fwd('salesforce_case', 'salesforce', 'en', 'inline', ('Case Team', 'cases@service.housing-partner.example.com'), '2026-04-01 09:00',
    'Case 00012345 has been forwarded to you by Housing Partner Services.\n\nref:_00D1a2b3c._500AbC123:ref',
    [O('salesforce', 'Dorothy Casefile', 'dorothy.casefile@example.org', '2026-03-31 17:30', 'Mould in bedroom 41 Beech House')],
    b('damp', 'Dorothy'), mode='text',
    notes='Salesforce Service Cloud email-to-case forward: "--------------- Original Message ---------------", From "Name [addr]" in square brackets, dd/mm/yyyy date.')
fwd('dynamics_crm', 'dynamics-crm', 'en', 'inline', ('Customer Contact Centre', 'crm@contact.council.example'), '2026-06-09 12:40',
    'Automated forward from CRM case CAS-20931-K8Q2\nAssigned queue: SPOC',
    [O('dynamics', 'Leonard Ticketby', 'leonard.ticketby@example.com', '2026-06-08 10:04', 'Refund for double membership charge')],
    b('leisure', 'Leonard'), notes='Dynamics 365 CRM forward: bare From/Sent/To/Subject block with no separator line and dd/mm/yyyy hh:mm:ss date.')

# --- Gmail Romanian
fwd('gmail_ro', 'gmail', 'ro', 'inline', ('Andrei Exemplu', 'andrei.exemplu@gmail.example'), '2026-02-24 12:12 +0200',
    'Bună ziua, vă trimit mesajul de mai jos.',
    [O('gmail_ro', 'Ioana Popescu-Test', 'ioana.test@example.ro', '2026-02-23 18:30 +0200', 'Groapă în asfalt pe Station Road')],
    b('pothole', 'Ioana'), notes='Gmail in Romanian: half-translated header (De la: / Date: / Subject: / To:) with date "lun., 23 feb. 2026 la 18:30".')
fwd('gmail_ro_translated', 'gmail', 'ro', 'inline', ('Mihai Proba', 'mihai.proba@gmail.example'), '2026-09-15 09:05 +0100',
    'Salut,\nPlease see below.',
    [O('gmail_ro_full', 'Elena Ficțiune', 'elena.fictiune@example.ro', '2026-09-14 07:58 +0100', 'Fwd: Iluminat stradal defect')],
    b('light', 'Elena'), cte='base64',
    notes='Gmail Romanian fully translated labels (Mesaj redirecționat / Data / Subiect / Către); subject keeps its own "Fwd:" (uncertain: exact Gmail ro separator wording).')

# --- Mail.ru, HTML only, Russian
def st_mailru(o):
    wd = WD['ru'][o['date'].weekday()].capitalize()
    return ('-------- Пересылаемое сообщение --------\nОт кого: %s\nКому: %s\nДата: %s, %s\nТема: %s\n' % (
        raw_from(o), to_s(o), wd, F(o['date'], 'ru', '{d} {mon} {Y}, {HH}:{M} ') + o['date'].strftime('%z')[:3] + ':' + o['date'].strftime('%z')[3:], o['subject']))


STYLES['mailru'] = st_mailru


def mailru_html(t):
    lines = t.split('\n')
    out = '<HTML><BODY>'
    for l in lines:
        out += ('<div>%s</div>' % html.escape(l)) if l.strip() else '<div>&nbsp;</div>'
    return out.replace('<div>-------- Пересылаемое', '<div id="mailru_fwd">-------- Пересылаемое') + '</BODY></HTML>\n'


fwd('mailru_ru_html_only', 'mail-ru', 'ru', 'html-only', ('Дмитрий Примеров', 'd.primerov@mail.example'), '2026-01-16 10:30 +0300',
    'Добрый день! Пересылаю письмо соседки.\nForwarding my neighbour\'s email.',
    [O('mailru', 'Наталья Образцова', 'n.obraztsova@mail.example', '2026-01-15 21:05 +0300', 'Шум от соседей')],
    'Здравствуйте,\n\nСоседи сверху каждую ночь включают громкую музыку после полуночи.\nУ нас двое маленьких детей, и они не могут спать.\n\nНаталья',
    contains='Соседи сверху каждую ночь включают громкую музыку после полуночи.', mode='html', cte='base64', html_text=mailru_html,
    notes='Mail.ru web, HTML-only (no text/plain), base64: "-------- Пересылаемое сообщение --------", От кого / Кому / Дата / Тема; Дата "Четверг, 15 января 2026, 21:05 +03:00".')
fwd('mailru_ru_html_only_english_body', 'mail-ru', 'ru', 'html-only', ('Ольга Тестова', 'olga.testova@mail.example'), '2026-05-12 08:00 +0300',
    'Пересылаю.',
    [O('mailru', 'Viktor Sampleov', 'viktor.sampleov@example.com', '2026-05-11 23:40 +0100', 'Broken street light Elm Crescent')],
    b('light', 'Viktor'), mode='html', cte='quoted-printable', html_text=mailru_html,
    notes='Mail.ru HTML-only Russian forward of an English resident mail; date shown in the original +01:00 offset (11 May).')

# --- localised header labels: Outlook desktop (A) and Thunderbird (B) per language
L10N_DATA = [
    # lang, (nameA, emailA, subjA, bodyA), (nameB, emailB, subjB, bodyB), tld
    ('pl', ('Zofia Przykładowa', 'zofia.przykladowa@example.pl', 'Nieodebrane śmieci', 'L'),
           ('Krzysztof Testowy', 'k.testowy@example.pl', 'Dziura w jezdni na Station Road', 'pothole')),
    ('cs', ('Jana Vzorová', 'jana.vzorova@example.cz', 'Výmol před domem', 'L'),
           ('Petr Zkušební', 'petr.zkusebni@example.cz', 'Hluk od sousedů', 'noise')),
    ('hu', ('Kovács Minta Éva', 'eva.minta@example.hu', 'Nem működik a közvilágítás', 'L'),
           ('Szabó Próba Gábor', 'gabor.proba@example.hu', 'Illegális hulladéklerakás', 'flytip')),
    ('uk', ('Олена Зразкова', 'olena.zrazkova@example.ua', 'Протікає дах', 'L'),
           ('Андрій Тестенко', 'andrii.testenko@example.ua', 'Шкільний транспорт не приїхав', 'transport')),
    ('zh', ('王小明', 'xiaoming.wang@example.cn', '垃圾桶两周未收', 'L'),
           ('李华', 'hua.li@example.cn', '关于停车许可证', 'parking')),
    ('ko', ('김민지', 'minji.kim@example.kr', '도로 파손 신고', 'L'),
           ('박서준', 'seojun.park@example.kr', '가로등 고장', 'light')),
    ('ar', ('فاطمة مثال', 'fatima.mithal@example.com', 'النفايات لم تُجمع', 'L'),
           ('يوسف تجربة', 'yusuf.tajriba@example.com', 'Council tax after moving out', 'ctax')),
    ('tr', ('Ayşe Örnek', 'ayse.ornek@example.com.tr', 'Sokak lambası yanmıyor', 'L'),
           ('Mehmet Deneme', 'mehmet.deneme@example.com.tr', 'Rat problem near Market Street', 'pest')),
    ('el', ('Μαρία Παράδειγμα', 'maria.paradeigma@example.gr', 'Σκουπίδια στο πάρκο', 'L'),
           ('Νίκος Δοκιμή', 'nikos.dokimi@example.gr', 'Blue Badge renewal', 'badge')),
    ('pt', ('João Exemplo', 'joao.exemplo@example.pt', 'Buraco na estrada', 'pothole'),
           ('Beatriz Teste', 'beatriz.teste@example.pt', 'Contentor de lixo partido', 'bins')),
    ('sv', ('Astrid Exempelsson', 'astrid.exempelsson@example.se', 'Trasig gatubelysning', 'light'),
           ('Erik Provqvist', 'erik.provqvist@example.se', 'Nedskräpning bakom Orchard Terrace', 'flytip')),
    ('no', ('Ingrid Eksempelsen', 'ingrid.eksempelsen@example.no', 'Hull i veien', 'pothole'),
           ('Lars Prøvestad', 'lars.provestad@example.no', 'Søppel ikke hentet', 'assisted')),
    ('da', ('Mette Eksempelsen', 'mette.eksempelsen@example.dk', 'Parkeringstilladelse', 'parking'),
           ('Søren Prøvesen', 'soren.provesen@example.dk', 'Støj fra pubben', 'licence')),
    ('fi', ('Aino Esimerkki', 'aino.esimerkki@example.fi', 'Katuvalo rikki', 'light'),
           ('Mikko Testinen', 'mikko.testinen@example.fi', 'Kaatunut puu Park View', 'tree')),
    ('nl', ('Sanne de Voorbeeld', 'sanne.devoorbeeld@example.nl', 'Gat in de weg bij Station Road', 'pothole'),
           ('Pieter van Proef', 'pieter.vanproef@example.nl', 'Overlast hondenpoep', 'dog')),
    ('cy', ('Siân Enghraifft', 'sian.enghraifft@example.cymru', 'Biniau heb eu casglu', 'bins'),
           ('Dafydd Prawf', 'dafydd.prawf@example.cymru', 'Golau stryd wedi torri', 'light')),
]
INTRO_L = {
    'cy': 'Bore da,\nGweler isod / Please see below.',
}
_dates = ['2026-%02d-%02d %02d:%02d' % (1 + i % 11, 3 + (i * 5) % 24, 8 + i % 11, (i * 13) % 60) for i in range(40)]
for i, (lang, A, Bb) in enumerate(L10N_DATA):
    for variant, P in (('A', A), ('B', Bb)):
        k = 2 * i + (variant == 'B')
        od = _dates[k]
        y, mo, rest = od.split('-', 2)
        dd_, tm = rest.split(' ')
        fd = '%s-%s-%02d %s' % (y, mo, int(dd_) + 1, '09:%02d' % (k % 60))
        first = P[0].split()[0] if lang not in ('zh', 'ko') else P[0]
        body = b(None, first, lang) if P[3] == 'L' else b(P[3], first)
        fwder = [OF1, OF2, CL, CL2, OF3, OF4][k % 6]
        intro = INTRO_L.get(lang, ['Please see below from a resident.', 'Hi SPOC, can you log this one please?',
                                   'FYI - came in via my councillor inbox.', 'Forwarding for action, thanks.'][k % 4])
        mode, cte, kind, extra_note = 'alt', 'quoted-printable', 'inline', ''
        if variant == 'A':
            style, client = 'outlook_' + lang, 'outlook-desktop'
            if lang in ('ko', 'fi'):
                mode, kind, extra_note = 'html', 'html-only', ' Sent HTML-only (no text/plain part).'
            if lang in ('zh', 'ar', 'el', 'uk'):
                cte = 'base64'
            desc = 'Outlook desktop forward with %s header labels (%s).' % (lang, ' / '.join(OUTLOOK_L10N[lang][:3] + OUTLOOK_L10N[lang][4:5]))
        else:
            style, client = 'tb_' + lang, 'thunderbird'
            mode = 'text'
            cte = '8bit' if lang in ('pl', 'cs', 'sv', 'da') else 'quoted-printable'
            if lang in ('hu', 'no'):
                cte = 'base64'
            sep = TB_L10N[lang]
            desc = 'Thunderbird forward with %s labels ("-------- %s --------", %s / %s / %s / %s), numeric date.' % (
                lang, sep[0], sep[1], sep[2], sep[3], sep[4])
            if lang in ('zh',):
                desc += ' Full-width colons (：).'
        cc = 'Cllr Rajesh Sample <rajesh.sample@members.council.example>' if k % 5 == 0 and variant == 'A' else None
        lv = O(style, P[0], P[1], od, P[2], cc=cc)
        contains = None
        if lang in ('zh', 'ko', 'ar', 'uk', 'el') and P[3] == 'L':
            contains = [l for l in body.split('\n') if l.strip()][1]
        if lang in ('tr', 'pl', 'cs', 'hu') and P[3] == 'L':
            contains = [l for l in body.split('\n') if l.strip()][1]
        if lang == 'ar' and variant == 'A':
            extra_note += ' Right-to-left labels and Arabic date (ص/م), Arabic comma.'
        if lang == 'ko' and variant == 'A':
            extra_note += ' Korean date with 오전/오후.'
        if lang == 'da' and variant == 'A':
            extra_note += ' Date shown without weekday ("12. januar 2026 10:15").'
        fwd('%s_%s_%s' % ('outlook_desktop' if variant == 'A' else 'thunderbird', lang, 'labels'), client, lang, kind, fwder,
            fd, intro, [lv], body, contains=contains, mode=mode, cte=cte,
            notes=desc + extra_note + (' Block includes a Cc line.' if cc else ''))

# --- more attached / nested
fwd('outlook_desktop_attached_encoded_subject', 'outlook-desktop', 'en', 'attached-rfc822', OF3, '2026-08-12 10:10',
    'Hi,\n\nResident email attached (I could not forward it inline).\n\nTomasz', [], '',
    outer_subject='FW: resident email attached',
    attach=dict(**{'from': ('Zuzanna Próbna', 'zuzanna.probna@example.pl')}, date='2026-08-11 22:15 +0200',
                subject='Śmieci – Mayfield Close, trzeci tydzień', body=b(None, 'Zuzanna', 'pl'), cte='base64', client='gmail',
                mode='alt', filename='Śmieci – Mayfield Close.eml'),
    exp_override=[{'from': {'name': 'Zuzanna Próbna', 'email': 'zuzanna.probna@example.pl'}, 'date': '2026-08-11',
                   'subject': 'Śmieci – Mayfield Close, trzeci tydzień'}],
    contains='Od trzech tygodni nikt nie odebrał śmieci z naszej ulicy Mayfield Close.',
    notes='Outlook attaches a resident mail as message/rfc822; inner From and Subject RFC 2047 encoded, inner body multipart/alternative base64 in Polish.')
fwd('thunderbird_attached_sv', 'thunderbird', 'sv', 'attached-rfc822', ('Astrid Exempelsson', 'astrid.exempelsson@example.se'), '2026-11-18 07:07 +0100',
    'Hej,\n\nJag bifogar mejlet från min granne.\nI attach my neighbour\'s email.\n\nAstrid', [], '',
    outer_subject='Vidarebefordrat: Trasig gatubelysning',
    attach=dict(**{'from': ('Nils Grannström', 'nils.grannstrom@example.se')}, date='2026-11-17 23:59 +0100',
                subject='Trasig gatubelysning', body=b('light', 'Nils'), cte='quoted-printable', client='thunderbird'),
    exp_override=[{'from': {'name': 'Nils Grannström', 'email': 'nils.grannstrom@example.se'}, 'date': '2026-11-17',
                   'subject': 'Trasig gatubelysning'}],
    contains='The street light outside number 22 Elm Crescent has been flickering and now does not come on at all.',
    notes='Swedish Thunderbird "forward as attachment"; inner Date 23:59 +0100 stays 2026-11-17; language refers to the outer client locale (no inline labels).')
fwd('nested2_outlook_en_over_yahoo_es', 'outlook-desktop', 'es', 'nested', OF2, '2026-05-08 09:00',
    'SPOC,\n\nForwarding on from Diego - see his note and the resident\'s message further down.\n\nHannah',
    [O('outlook_en', 'Diego Muestra', 'diego.muestra@yahoo.example', '2026-05-07 18:20', 'Fw: Contenedor sin recoger',
       intro=''),
     O('yahoo_es', 'Carmen Prueba', 'carmen.prueba@example.es', '2026-05-05 23:58 +0200', 'Contenedor sin recoger',
       intro='Hannah, te lo reenvío. Can you pass this to the right team?\n\nDiego\n')],
    b('flytip', 'Carmen'), chain_clients=['outlook-desktop', 'yahoo'],
    notes='Two forward levels: Outlook (English labels) over a Spanish Yahoo forward; forwarded[] outermost first, innermost is the resident.')
fwd('nested3_zoho_outlook_pl_gmail_ro', 'zoho', 'pl', 'nested', ('Anand Zeta', 'anand@zeta-lettings.example.com'), '2026-03-02 10:00',
    'Hi, chain below, please action.\n\nAnand',
    [O('zoho', 'Tomasz Example', 'tomasz.example@council.example', '2026-02-27 16:40', 'PD: Fwd: Groapă în asfalt pe Station Road'),
     O('outlook_pl', 'Andrei Exemplu', 'andrei.exemplu@gmail.example', '2026-02-25 08:05', 'Fwd: Groapă în asfalt pe Station Road',
       intro='Przesyłam dalej.\n'),
     O('gmail_ro', 'Ioana Popescu-Test', 'ioana.test@example.ro', '2026-02-23 18:30 +0200', 'Groapă în asfalt pe Station Road',
       intro='Vă rog să vedeți mai jos.\n')],
    b('pothole', 'Ioana'), chain_clients=['zoho', 'outlook-desktop', 'gmail'],
    notes='Three forward levels: Zoho over a Polish-labelled Outlook block over a Romanian Gmail block. language = pl (the localised Outlook block; Romanian also present).')


# ================================================================ REPLIES
REQS = [
    ('SPOC-2026-0412 Missed recycling, Mayfield Close',
     "Hello,\n\nWe have received the enquiry below from a resident (ref SPOC-2026-0412). Could you confirm which team will pick this up and when the resident can expect a response?\n\nMany thanks,\nSPOC Team\nCustomer Services | Example District Council"),
    ('SPOC-2026-0587 Pothole outside 14 Station Road',
     "Hi,\n\nPlease can you advise on the pothole reported at 14 Station Road? The resident says two tyres have been damaged and is asking about compensation.\n\nThanks\nSPOC Team"),
    ('SPOC-2026-0733 Damp and mould, 41 Beech House',
     "Good morning,\n\nCould you let us know whether a surveyor visit has been booked for 41 Beech House? The tenant first reported the mould in October.\n\nKind regards\nSPOC Team\nExample District Council"),
    ('SPOC-2026-0901 Noise complaint Harbour Court',
     "Hello,\n\nThe resident at Harbour Court has chased again about the late-night noise. Is there an open case and who is the case officer?\n\nThanks,\nSPOC Team"),
    ('SPOC-2026-1044 Blue Badge renewal query',
     "Hi team,\n\nA resident is asking whether their Blue Badge renewal (submitted November) has been processed, as the current badge expires this month. Could you check please?\n\nSPOC Team"),
    ('SPOC-2026-1178 Fly-tipping, lane behind Orchard Terrace',
     "Hello,\n\nPlease could you arrange a clearance of the fly-tipping behind Orchard Terrace and let us know the date so we can update the resident?\n\nMany thanks\nSPOC Team"),
]

SIG_COUNCIL = ("{full}\n{role}\nExample District Council\nCouncil Offices, High Street, Exampleton EX1 1AA\nT: 01632 960 {ext} | www.council.example\n\n"
               "This email and any attachments are confidential and intended solely for the addressee. If you have received it in error, please notify the sender and delete it.")
SIG_SHORT = "{full} | {role}\nExample District Council"

REPLIES = []


def quote(text, prefix='> '):
    return '\n'.join((prefix + l) if l else prefix.rstrip() for l in text.split('\n'))


def hist(kind, lang, d, req, to=None):
    subj, text = req
    S = 'SPOC Team <spoc@council.example>'
    T = to or 'Officer'
    if kind == 'gmail':
        pats = {
            'en': 'On {wdA}, {d} {monA} {Y} at {HH}:{M}, %s wrote:' % S,
            'de': 'Am {wdA}, {d}. {monA} {Y} um {HH}:{M} Uhr schrieb %s:' % S,
            'ru': '{wdA}, {d} {monA} {Y} г. в {HH}:{M}, %s:' % S,
            'da': 'Den {wdA} {d}. {monA} {Y} kl. {HH}.{M} skrev %s:' % S,
            'nl': 'Op {wdA} {d} {monA} {Y} om {HH}:{M} schreef %s:' % S,
            'fr': 'Le {wdA} {d} {monA} {Y} à {HH}:{M}, %s a écrit :' % S,
            'es': 'El {wdA}, {d} {monA} {Y} a las {HH}:{M}, SPOC Team (<spoc@council.example>) escribió:',
            'pl': '{wdA} {d} {monA} {Y} o {HH}:{M} %s napisał(a):' % S,
            'sv': 'Den {wdA} {d} {monA} {Y} kl {HH}:{M} skrev %s:' % S,
            'no': '{wdA} {d}. {monA} {Y} kl. {HH}:{M} skrev %s:' % S,
        }
        return F(d, lang, pats[lang]) + '\n\n' + quote(text)
    if kind == 'gmail_wrapped':
        line = F(d, lang, {'de': 'Am {wdA}, {d}. {monA} {Y} um {HH}:{M} Uhr schrieb SPOC Team <\nspoc@council.example>:',
                           'en': 'On {wdA}, {d} {monA} {Y} at {HH}:{M}, SPOC Team <spoc@council.example>\nwrote:'}[lang])
        return line + '\n\n' + quote(text)
    if kind == 'inbox':
        pats = {
            'en': 'On {wdA}, {d} {monA} {Y}, {HH}:{M} SPOC Team, <spoc@council.example> wrote:',
            'de': '%s schrieb am {wdA}, {d}. {monA} {Y}, {HH}:{M}:' % S,
            'ru': '{wdA}, {d} {monA} {Y} г., {HH}:{M} %s:' % S,
            'da': 'Den {wdA} {d}. {monA} {Y} {HH}.{M} skrev %s:' % S,
            'nl': 'Op {wdA} {d} {monA} {Y} {HH}:{M} schreef %s:' % S,
            'fr': 'Le {wdA} {d} {monA} {Y} à {HH}:{M}, %s a écrit :' % S,
            'es': 'El {wdA}, {d} {monA} {Y} {HH}:{M}, %s escribió:' % S,
            'pl': 'W dniu {wdA}, {d} {monA} {Y}, {HH}:{M} użytkownik %s napisał:' % S,
        }
        return F(d, lang, pats[lang]) + '\n\n' + quote(text)
    if kind == 'samsung':
        labels = {
            'en': ('-------- Original message --------', 'From', 'Date', 'To', 'Subject', '{dd}/{mm}/{Y} {HH}:{M} (GMT+00:00)'),
            'de': ('-------- Ursprüngliche Nachricht --------', 'Von', 'Datum', 'An', 'Betreff', '{dd}.{mm}.{yy} {HH}:{M} (GMT+01:00)'),
            'nl': ('-------- Oorspronkelijk bericht --------', 'Van', 'Datum', 'Aan', 'Onderwerp', '{dd}-{mm}-{Y} {HH}:{M} (GMT+01:00)'),
            'es': ('-------- Mensaje original --------', 'De', 'Fecha', 'Para', 'Asunto', '{d}/{m}/{yy} {HH}:{M} (GMT+01:00)'),
            'fr': ("-------- Message d'origine --------", 'De', 'Date', 'À', 'Objet', '{dd}/{mm}/{Y} {HH}:{M} (GMT+01:00)'),
        }[lang]
        sp = ' ' if lang == 'fr' else ''
        return ('%s\n%s%s: %s \n%s%s: %s \n%s%s: %s \n%s%s: %s \n\n%s' % (
            labels[0], labels[1], sp, S, labels[2], sp, F(d, lang, labels[5]), labels[3], sp, T, labels[4], sp, subj, text))
    if kind.startswith('outlook'):
        L = {
            'en': ('From', 'Sent', 'To', 'Subject', '{d} {mon} {Y} {HH}:{M}'),
            'de': ('Von', 'Gesendet', 'An', 'Betreff', '{wd}, {d}. {mon} {Y} {HH}:{M}'),
            'ru': ('От', 'Отправлено', 'Кому', 'Тема', '{wd}, {d} {mon} {Y} г. {H}:{M}'),
            'da': ('Fra', 'Sendt', 'Til', 'Emne', '{d}. {mon} {Y} {HH}:{M}'),
            'nl': ('Van', 'Verzonden', 'Aan', 'Onderwerp', '{wd} {d} {mon} {Y} {HH}:{M}'),
            'fr': ('De\u00a0', 'Envoyé\u00a0', 'À\u00a0', 'Objet\u00a0', '{wd} {d} {mon} {Y} {HH}:{M}'),
            'es': ('De', 'Enviado el', 'Para', 'Asunto', '{wd}, {d} de {mon} de {Y} {HH}:{M}'),
            'pl': ('Od', 'Wysłane', 'Do', 'Temat', '{wd}, {d} {mon} {Y} {HH}:{M}'),
            'sv': ('Från', 'Skickat', 'Till', 'Ämne', 'den {d} {mon} {Y} {HH}:{M}'),
            'no': ('Fra', 'Sendt', 'Til', 'Emne', '{wd} {d}. {mon} {Y} {HH}:{M}'),
            'it': ('Da', 'Inviato', 'A', 'Oggetto', '{wd} {d} {mon} {Y} {HH}:{M}'),
        }[lang]
        head = ''
        if kind == 'outlook_rule':
            head = '________________________________\n'
        if kind == 'outlook_orig':
            head = {'en': '-----Original Message-----\n', 'de': '-----Ursprüngliche Nachricht-----\n',
                    'fr': "-----Message d'origine-----\n", 'nl': '-----Oorspronkelijk bericht-----\n'}[lang]
        if kind == 'outlook_oe':
            head = '----- Original Message -----\n'
        if kind == 'outlook_star':
            head = '*****Original Message*****\n'
        return '%s%s: %s\n%s: %s\n%s: %s\n%s: %s\n\n%s' % (head, L[0], S, L[1], F(d, lang, L[4]), L[2], T, L[3], subj, text)
    if kind == 'oe_quoted':
        return ('----- Original Message -----\nFrom: "SPOC Team" <spoc@council.example>\nTo: <%s>\nSent: %s\nSubject: %s\n\n\n%s'
                % (T.split('<')[-1].rstrip('>'), F(d, 'en', '{wd}, {mon} {d}, {Y} {h}:{M} {AP}'), subj, quote(text)))
    if kind == 'apple':
        pats = {
            'en': 'On {d} {monA} {Y}, at {HH}:{M}, SPOC Team <spoc@council.example> wrote:',
            'de': 'Am {dd}.{mm}.{Y} um {HH}:{M} schrieb SPOC Team <spoc@council.example>:',
            'fr': 'Le {d} {monA} {Y} à {HH}:{M}, SPOC Team <spoc@council.example> a écrit\u00a0:',
            'es': 'El {d} {monA} {Y}, a las {HH}:{M}, SPOC Team <spoc@council.example> escribió:',
            'sv': '{d} {monA} {Y} kl. {HH}:{M} skrev SPOC Team <spoc@council.example>:',
            'it': 'Il giorno {d} {mon3} {Y}, alle ore {HH}:{M}, SPOC Team <spoc@council.example> ha scritto:',
            'nl': 'Op {d} {monA} {Y} om {HH}:{M} heeft SPOC Team <spoc@council.example> het volgende geschreven:',
            'pl': 'Wiadomość napisana przez SPOC Team <spoc@council.example> w dniu {d}.{mm}.{Y}, o godz. {HH}:{M}:',
        }
        return F(d, lang, pats[lang]) + '\n\n' + quote(text, '> ')
    raise KeyError(kind)


def reply(name, client, lang, text, signoff=None, sig='', tag='', hkind='outlook', hlang=None, req=0, rdate='2026-01-12 10:15',
          when='2026-01-12 14:40', frm=('Sam Officerly', 'sam.officerly@council.example'), footer='', mode='alt', cte='quoted-printable',
          notes='', body=None, subject_prefix='RE: ', inline=False, extra_hdrs=(), sep_blank=2):
    REPLIES.append(dict(name=name, client=client, lang=lang, text=text, signoff=signoff, sig=sig, tag=tag, hkind=hkind,
                        hlang=hlang or lang, req=req, rdate=rdate, when=when, frm=frm, footer=footer, mode=mode, cte=cte,
                        notes=notes, body=body, subject_prefix=subject_prefix, inline=inline, extra_hdrs=extra_hdrs))


def html_reply(text):
    out, inq = [], 0
    for line in text.split('\n'):
        depth = 0
        while line.startswith('>'):
            depth += 1
            line = line[1:].lstrip(' ') if line.startswith('> ') or line == '>' else line[1:]
            line = line if not line.startswith('>') else line
        while inq < depth:
            out.append('<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">')
            inq += 1
        while inq > depth:
            out.append('</blockquote>')
            inq -= 1
        out.append('<div>%s</div>' % (html.escape(line, quote=False) or '<br>'))
    out += ['</blockquote>'] * inq
    return '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>\n' + '\n'.join(out) + '\n</body></html>\n'


def build_reply(r):
    req = REQS[r['req']]
    if r['body'] is not None:
        text = r['body']
    else:
        parts = [r['text']]
        if r['signoff']:
            parts.append(r['signoff'] + ('\n\n' + r['sig'] if r['sig'] else ''))
        elif r['sig']:
            parts.append(r['sig'])
        if r['tag']:
            parts.append(r['tag'])
        text = '\n\n'.join(parts)
        if r['hkind']:
            text += '\n\n' + hist(r['hkind'], r['hlang'], D(r['rdate']), req, to='%s <%s>' % r['frm'])
        if r['footer']:
            text += '\n' + r['footer']
    text = text.rstrip('\n') + '\n'
    pre = r['subject_prefix']
    if r['client'] in ('gmail', 'gmail-android', 'ios-mail', 'apple-mail', 'thunderbird', 'samsung-email'):
        pre = 'Re: '
    elif r['client'].startswith('outlook') and r['client'] != 'outlook-express':
        pre = {'de': 'AW: ', 'sv': 'SV: ', 'da': 'SV: ', 'no': 'SV: ', 'pl': 'Odp: ', 'fr': 'RE : '}.get(r['lang'], 'RE: ')
    hdrs = std_headers(r['name'], r['frm'], SPOC, pre + req[0], D(r['when']), r['client'],
                       extra=[('In-Reply-To', '<%s@council.example>' % h(r['name'], 'req')[:20])] + list(r['extra_hdrs']))
    if r['mode'] == 'text':
        mime = leaf('text/plain', text, r['cte'])
    else:
        mime = body_parts(r['name'], r['client'], text, r['mode'], r['cte'], html_reply(text))
    return text, message(hdrs, mime)


def emit_replies():
    for r in REPLIES:
        _, eml = build_reply(r)
        meta = {'client': r['client'], 'language': r['lang'], 'reply_text': r['text'], 'signoff': r['signoff'], 'notes': r['notes']}
        if r['inline']:
            meta['inline'] = True
        write('replies', r['name'], eml, meta)


P = {  # officers
    'sam': ('Sam Officerly', 'sam.officerly@council.example'),
    'jo': ('Jo Placeholder-Smith', 'jo.placeholder-smith@council.example'),
    'astrid': ('Astrid Lindqvist-Example', 'astrid.lindqvist@council.example'),
    'erik': ('Erik Provsson', 'erik.provsson@council.example'),
    'ingrid': ('Ingrid Eksempel', 'ingrid.eksempel@council.example'),
    'lars': ('Lars Prøvemann', 'lars.provemann@council.example'),
    'mette': ('Mette Eksempel-Jensen', 'mette.jensen@council.example'),
    'soren': ('Søren Testrup', 'soren.testrup@council.example'),
    'dan': ('Dan Examplewood', 'dan.examplewood@council.example'),
    'priya': ('Priya Testani', 'priya.testani@council.example'),
    'owen': ('Owen Fictionby', 'owen.fictionby@council.example'),
    'klaus': ('Klaus Beispielmann', 'klaus.beispielmann@council.example'),
    'anja': ('Anja Musterfrau', 'anja.musterfrau@council.example'),
    'irina': ('Irina Primerova', 'irina.primerova@council.example'),
    'pavel': ('Pavel Testov', 'pavel.testov@council.example'),
    'femke': ('Femke de Proef', 'femke.deproef@council.example'),
    'joost': ('Joost Voorbeeldt', 'joost.voorbeeldt@council.example'),
    'claire': ('Claire Exemplaire', 'claire.exemplaire@council.example'),
    'lucas': ('Lucas Fictif', 'lucas.fictif@council.example'),
    'sofia': ('Sofía Ejemplar', 'sofia.ejemplar@council.example'),
    'pablo': ('Pablo Muestrario', 'pablo.muestrario@council.example'),
    'marta': ('Marta Przykładowska', 'marta.przykladowska@council.example'),
    'piotr': ('Piotr Testowski', 'piotr.testowski@council.example'),
    'gwen': ('Gwen Sampleton', 'gwen.sampleton@council.example'),
    'rhys': ('Rhys Notional', 'rhys.notional@council.example'),
    'kemi': ('Kemi Exampleola', 'kemi.exampleola@council.example'),
    'tom': ('Tom Dummyfield', 'tom.dummyfield@council.example'),
    'aisha': ('Aisha Placeholderi', 'aisha.placeholderi@council.example'),
    'giulia': ('Giulia Esempiotti', 'giulia.esempiotti@council.example'),
}


def sig(key, role, ext='100', short=False):
    return (SIG_SHORT if short else SIG_COUNCIL).format(full=P[key][0], role=role, ext=ext)

# ---------------------------------------------------------------- reply data
# Family 1: sign-off + name on its own line
reply('signoff_en_kind_regards_outlook', 'outlook-desktop', 'en',
      "Hi SPOC,\n\nThanks for this. I have logged it with the crew and the bins on Mayfield Close will be collected on Thursday morning.\nI have also added the cul-de-sac to the round sheet so it is not missed again.",
      signoff='Kind regards,\nSam', sig=sig('sam', 'Waste Services Team Leader', '201'), hkind='outlook', req=0, frm=P['sam'],
      notes='English sign-off "Kind regards," then the first name alone on its own line, then a full council signature with disclaimer; Outlook top-post with unindented history.')
reply('signoff_en_cheers_no_comma_gmail', 'gmail', 'en',
      "Morning,\n\nDone - case reference HWY/2026/118. An inspector will look at the pothole by Friday.",
      signoff='Cheers\nJo', hkind='gmail', req=1, frm=P['jo'], rdate='2026-02-03 09:12', when='2026-02-03 09:30',
      notes='"Cheers" without comma, then "Jo" alone on the next line; no signature block; Gmail "On ... wrote:" with > quoting.')
reply('signoff_sv_med_vanliga_halsningar', 'outlook-desktop', 'sv',
      "Hej,\n\nI have booked the surveyor for 41 Beech House on 18 February between 9 and 12.\nThe tenant will get a text message the day before.",
      signoff='Med vänliga hälsningar\nAstrid', sig=sig('astrid', 'Housing Repairs Coordinator', '344'), hkind='outlook', req=2, frm=P['astrid'],
      rdate='2026-02-09 08:40', when='2026-02-09 11:02',
      notes='Swedish sign-off "Med vänliga hälsningar" followed by the name on its own line; Swedish Outlook header block (Från/Skickat/Till/Ämne) below.')
reply('signoff_sv_mvh_gmail', 'gmail', 'sv',
      "Hi,\n\nThe noise case for Harbour Court is EH/NS/2026/044 and I am the case officer.\nDiary sheets went out to the resident last week.",
      signoff='Mvh\nErik', hkind='gmail', req=3, frm=P['erik'], rdate='2026-03-16 10:00', when='2026-03-16 15:45', cte='base64',
      notes='Swedish abbreviation "Mvh" sign-off with name below; Swedish Gmail attribution ("Den mån 16 mars 2026 kl 10:00 skrev ...:").')
reply('signoff_no_vennlig_hilsen_outlook', 'outlook-desktop', 'no',
      "Hello,\n\nThe Blue Badge renewal was approved yesterday. The new badge was posted first class this morning.",
      signoff='Vennlig hilsen\nIngrid', sig=sig('ingrid', 'Blue Badge Team', '512', short=True), hkind='outlook', hlang='no', req=4, frm=P['ingrid'],
      rdate='2026-03-30 09:05', when='2026-03-30 12:20',
      notes='Norwegian sign-off "Vennlig hilsen" + name on its own line; short one-line signature; Norwegian Outlook header block (Fra/Sendt/Til/Emne).')
reply('signoff_no_mvh_gmail', 'gmail', 'no',
      "Hei,\n\nClearance crew booked for Wednesday 8 April. We will also check the lane for any more dumped bags.",
      signoff='Mvh\nLars', hkind='gmail', req=5, frm=P['lars'], rdate='2026-04-06 13:00', when='2026-04-06 16:10',
      notes='Norwegian "Mvh" + name; Norwegian Gmail attribution ("man. 6. apr. 2026 kl. 13:00 skrev ...:").')
reply('signoff_da_med_venlig_hilsen_outlook', 'outlook-desktop', 'da',
      "Hi SPOC,\n\nWe spoke to the tenant today. The mould wash is booked for next Tuesday and a new extractor fan will be fitted the same day.",
      signoff='Med venlig hilsen\nMette', sig=sig('mette', 'Tenancy Services Officer', '377'), hkind='outlook', req=2, frm=P['mette'],
      rdate='2026-04-20 08:30', when='2026-04-20 17:05', cte='base64',
      notes='Danish sign-off "Med venlig hilsen" + name on its own line; Danish Outlook header (Fra/Sendt/Til/Emne) with "20. april 2026 08:30".')
reply('signoff_da_venlig_hilsen_gmail', 'gmail', 'da',
      "Hej,\n\nJeg har sendt sagen videre til miljøteamet.\nI have passed this to the environmental protection team, who will contact the resident within five working days.",
      signoff='Venlig hilsen\nSøren', hkind='gmail', req=3, frm=P['soren'], rdate='2026-05-04 09:00', when='2026-05-04 10:30',
      notes='Danish "Venlig hilsen" + name; Danish Gmail attribution ("Den man. 4. maj 2026 kl. 09.00 skrev ...:"); bilingual Danish/English text.')

# Family 2: localised attribution lines / header blocks
reply('attrib_de_gmail', 'gmail', 'de',
      "Hallo,\n\nthe pothole at 14 Station Road was made safe this morning. A permanent repair is scheduled for the week of 23 February.\nFor the tyre claim the resident should use the online insurance form.",
      signoff='Viele Grüße\nKlaus', hkind='gmail', req=1, frm=P['klaus'], rdate='2026-02-10 11:20 +0100', when='2026-02-10 15:02 +0100',
      notes='German Gmail attribution "Am Di., 10. Feb. 2026 um 11:20 Uhr schrieb SPOC Team <...>:" with > quoting.')
reply('attrib_de_gmail_wrapped', 'gmail', 'de',
      "Hi,\n\nich übernehme das. I will call the resident tomorrow.",
      signoff=None, hkind='gmail_wrapped', req=3, frm=P['anja'], rdate='2026-11-05 08:00 +0100', when='2026-11-05 08:14 +0100', mode='text',
      notes='German Gmail attribution wrapped across two lines (address broken after "<"); text/plain only; no sign-off.')
reply('attrib_de_inbox', 'gmail-android', 'de',
      "Danke, ist erledigt. The crew cleared the lane this morning.",
      signoff=None, hkind='inbox', req=5, frm=P['anja'], rdate='2026-01-19 07:50 +0100', when='2026-01-19 12:33 +0100',
      notes='Google Inbox / Gmail Android German attribution order: "SPOC Team <...> schrieb am Mo., 19. Jan. 2026, 07:50:".')
reply('attrib_de_outlook', 'outlook-desktop', 'de',
      "Guten Tag,\n\nwe have no open case for Harbour Court yet. I have created one (EH/NS/2026/101) and assigned it to myself.",
      signoff='Mit freundlichen Grüßen\nKlaus Beispielmann', sig='Umweltschutz / Environmental Protection\nExample District Council', hkind='outlook', req=3,
      frm=P['klaus'], rdate='2026-11-23 09:00 +0100', when='2026-11-23 10:45 +0100',
      notes='German Outlook header block (Von/Gesendet/An/Betreff) as history, unindented; sign-off with full name.')
reply('attrib_ru_gmail', 'gmail', 'ru',
      "Hello,\n\nThe Blue Badge renewal has been processed and the badge will arrive within ten working days.",
      signoff='Best regards,\nIrina', hkind='gmail', req=4, frm=P['irina'], rdate='2026-12-01 10:05', when='2026-12-01 11:11', cte='base64',
      notes='Russian Gmail attribution "вт, 1 дек. 2026 г. в 10:05, SPOC Team <...>:" (no "wrote" word at all).')
reply('attrib_ru_inbox', 'gmail-android', 'ru',
      "Принято. I will visit Harbour Court on Thursday evening with the noise kit.",
      signoff=None, hkind='inbox', req=3, frm=P['pavel'], rdate='2026-10-13 18:30 +0300', when='2026-10-13 19:02 +0300',
      notes='Russian Gmail Android / Inbox attribution "вт, 13 окт. 2026 г., 18:30 SPOC Team <...>:"; mixed Russian/English text.')
reply('attrib_ru_outlook', 'outlook-desktop', 'ru',
      "Добрый день,\n\nthe fly-tipping behind Orchard Terrace is booked for clearance on 28 October.",
      signoff='С уважением,\nПавел', hkind='outlook', req=5, frm=P['pavel'], rdate='2026-10-26 09:30 +0300', when='2026-10-26 10:00 +0300', cte='base64',
      notes='Russian Outlook header block (От/Отправлено/Кому/Тема) as unindented history; Russian sign-off "С уважением," + name.')
reply('attrib_da_inbox', 'gmail-android', 'da',
      "Thanks - I've added it to tomorrow's list.",
      signoff=None, hkind='inbox', req=0, frm=P['soren'], rdate='2026-06-15 09:00 +0200', when='2026-06-15 09:04 +0200',
      notes='Danish Inbox/Android attribution "Den man. 15. jun. 2026 09.00 skrev SPOC Team <...>:"; one-line reply.')
reply('attrib_nl_gmail', 'gmail', 'nl',
      "Goedemiddag,\n\nThe surveyor visit for 41 Beech House is confirmed for Monday 9 March at 10am.",
      signoff='Met vriendelijke groet,\nFemke', hkind='gmail', req=2, frm=P['femke'], rdate='2026-03-04 10:45 +0100', when='2026-03-04 13:30 +0100',
      notes='Dutch Gmail attribution "Op wo 4 mrt 2026 om 10:45 schreef SPOC Team <...>:".')
reply('attrib_nl_samsung', 'samsung-email', 'nl',
      "Ik ben vandaag niet op kantoor, but I have asked Joost to pick this up.",
      signoff=None, tag='Verzonden vanaf mijn Galaxy', hkind='samsung', req=0, frm=P['femke'], rdate='2026-07-08 08:15 +0200', when='2026-07-08 08:20 +0200',
      notes='Samsung Email (Dutch): "Verzonden vanaf mijn Galaxy" tagline then "-------- Oorspronkelijk bericht --------" block, unquoted history.')
reply('attrib_nl_outlook', 'outlook-desktop', 'nl',
      "Hoi,\n\nHighways have inspected the pothole and it meets the intervention level. It will be filled within 24 hours.",
      signoff='Groet,\nJoost', sig=sig('joost', 'Highways Inspector', '618', short=True), hkind='outlook', req=1, frm=P['joost'],
      rdate='2026-09-21 08:00 +0200', when='2026-09-21 09:20 +0200',
      notes='Dutch Outlook header block (Van/Verzonden/Aan/Onderwerp) below a short signature.')
reply('attrib_fr_gmail', 'gmail', 'fr',
      "Bonjour,\n\nJe m'en occupe. The Blue Badge team confirms the renewal was approved on 2 December.",
      signoff='Cordialement,\nClaire', hkind='gmail', req=4, frm=P['claire'], rdate='2026-12-02 09:10 +0100', when='2026-12-02 10:00 +0100',
      notes='French Gmail attribution "Le mer. 2 déc. 2026 à 09:10, SPOC Team <...> a écrit :" (space before colon).')
reply('attrib_fr_inbox', 'gmail-android', 'fr',
      "Vu, merci. I'll ring the tenant this afternoon.",
      signoff=None, hkind='inbox', req=2, frm=P['lucas'], rdate='2026-01-22 14:00 +0100', when='2026-01-22 14:06 +0100',
      notes='French Android/Inbox attribution; very short mixed French/English reply.')
reply('attrib_fr_outlook_nbsp', 'outlook-desktop', 'fr',
      "Bonjour,\n\nLa collecte sera faite demain matin. The round has been updated so the cul-de-sac is included.",
      signoff='Bien à vous,\nLucas', hkind='outlook', req=0, frm=P['lucas'], rdate='2026-06-29 08:20 +0200', when='2026-06-29 09:40 +0200',
      notes='French Outlook header block with NO-BREAK SPACE before the colons (De\u00a0: / Envoyé\u00a0: / À\u00a0: / Objet\u00a0:).')
reply('attrib_es_gmail', 'gmail', 'es',
      "Hola,\n\nEl caso está abierto. The noise team will send the resident diary sheets this week.",
      signoff='Un saludo,\nSofía', hkind='gmail', req=3, frm=P['sofia'], rdate='2026-02-18 12:00 +0100', when='2026-02-18 12:45 +0100',
      notes='Spanish Gmail attribution "El mié, 18 feb 2026 a las 12:00, SPOC Team (<...>) escribió:" with the address in parentheses.')
reply('attrib_es_samsung', 'samsung-email', 'es',
      "Recibido. I am on site at Orchard Terrace now and will confirm once cleared.",
      signoff=None, tag='Enviado desde mi smartphone Samsung Galaxy.', hkind='samsung', req=5, frm=P['pablo'],
      rdate='2026-08-10 11:00 +0200', when='2026-08-10 11:30 +0200',
      notes='Samsung Email in Spanish: tagline "Enviado desde mi smartphone Samsung Galaxy." then "-------- Mensaje original --------" block.')
reply('attrib_es_outlook', 'outlook-desktop', 'es',
      "Buenos días,\n\nI have checked the system: no surveyor visit was ever booked for 41 Beech House. I have booked one for 3 November.",
      signoff='Saludos cordiales,\nPablo', hkind='outlook', req=2, frm=P['pablo'], rdate='2026-10-28 09:00 +0100', when='2026-10-28 11:15 +0100',
      notes='Spanish Outlook header block (De / Enviado el / Para / Asunto) as unindented history.')
reply('attrib_pl_gmail', 'gmail', 'pl',
      "Dzień dobry,\n\nThe collection crew has been told. The bins will be emptied tomorrow.",
      signoff='Pozdrawiam\nMarta', hkind='gmail', req=0, frm=P['marta'], rdate='2026-05-25 10:00 +0200', when='2026-05-25 11:10 +0200',
      notes='Polish Gmail attribution "pon. 25 maj 2026 o 10:00 SPOC Team <...> napisał(a):" (starts with the weekday, no "On").')
reply('attrib_pl_inbox', 'gmail-android', 'pl',
      "Ok, zajmę się tym. Site visit booked for Friday.",
      signoff=None, hkind='inbox', req=1, frm=P['piotr'], rdate='2026-06-02 13:30 +0200', when='2026-06-02 13:41 +0200',
      notes='Polish Android attribution "W dniu wt., 2 cze 2026, 13:30 użytkownik SPOC Team <...> napisał:".')
reply('attrib_pl_outlook', 'outlook-desktop', 'pl',
      "Dzień dobry,\n\nSprawa została przekazana. Case passed to the Blue Badge team, who will reply to the resident directly.",
      signoff='Z poważaniem\nPiotr Testowski', hkind='outlook', req=4, frm=P['piotr'], rdate='2026-09-14 08:00 +0200', when='2026-09-14 08:55 +0200', cte='base64',
      notes='Polish Outlook header block (Od/Wysłane/Do/Temat) as unindented history.')

# Family 3: Outlook "original message" separators (dashes / stars)
reply('orig_sep_dashes_en', 'exchange-legacy', 'en',
      "Hi,\n\nPassed to the Housing Repairs team today. They will contact the tenant to arrange access.",
      signoff='Regards,\nTom', sig=sig('tom', 'Customer Liaison Officer', '455'), hkind='outlook_orig', req=2, frm=P['tom'], mode='text', cte='7bit',
      rdate='2026-01-26 09:00', when='2026-01-26 09:40',
      notes='Outlook 2003-2010 "-----Original Message-----" separator above an unindented From/Sent/To/Subject block.')
reply('orig_sep_dashes_de', 'outlook-legacy', 'de',
      "Hallo SPOC,\n\nthe swing repair parts arrived today; the playground will reopen on Monday.",
      signoff='Gruß\nAnja', hkind='outlook_orig', hlang='de', req=0, frm=P['anja'], rdate='2026-04-27 10:00 +0200', when='2026-04-27 16:00 +0200',
      notes='German legacy Outlook "-----Ursprüngliche Nachricht-----" separator with Von/Gesendet/An/Betreff.')
reply('orig_sep_outlook_express_quoted', 'outlook-express', 'en',
      "Dear SPOC,\n\nI can confirm the fly-tipping behind Orchard Terrace was cleared on 12 May. A warning letter has gone to the address found in the bags.",
      signoff='Yours,\nRhys', hkind='oe_quoted', req=5, frm=P['rhys'], mode='text', cte='7bit', rdate='2026-05-12 15:00', when='2026-05-13 08:30',
      notes='Outlook Express / Windows Live Mail "----- Original Message -----" (spaces inside the dashes) with a >-quoted original.')
reply('orig_sep_stars', 'outlook-desktop', 'en',
      "Hello,\n\nThe tree surgeon has removed the split branch on Park View. The rest of the oak is sound.",
      signoff='Thanks,\nGwen', hkind='outlook_star', req=1, frm=P['gwen'], rdate='2026-07-20 09:00', when='2026-07-21 10:00',
      notes='Separator drawn with stars ("*****Original Message*****") as produced by some Outlook templates/mail gateways (uncertain which exact client); unindented history.')

# Family 4: device taglines
reply('tagline_en_iphone', 'ios-mail', 'en', "Yes, that's ours. I'll pick it up when I'm back in the office.",
      tag='Sent from my iPhone', hkind='apple', req=3, frm=P['priya'], rdate='2026-02-14 09:00', when='2026-02-14 09:02', mode='text', cte='7bit',
      notes='"Sent from my iPhone" tagline then iOS "On 14 Feb 2026, at 09:00, ... wrote:" attribution.')
reply('tagline_de_iphone', 'ios-mail', 'de', 'Ich kümmere mich morgen darum.\nI will deal with it tomorrow.',
      tag='Von meinem iPhone gesendet', hkind='apple', req=1, frm=P['klaus'], rdate='2026-03-12 17:00 +0100', when='2026-03-12 18:30 +0100', mode='text',
      notes='German iOS tagline "Von meinem iPhone gesendet" and Apple attribution "Am 12.03.2026 um 17:00 schrieb ...:".')
reply('tagline_fr_iphone', 'ios-mail', 'fr', "C'est noté, merci. Visit booked for the 14th.",
      tag='Envoyé de mon iPhone', hkind='apple', req=2, frm=P['claire'], rdate='2026-05-11 08:00 +0200', when='2026-05-11 08:25 +0200',
      notes='French iOS tagline "Envoyé de mon iPhone"; Apple French attribution with NBSP before the colon.')
reply('tagline_es_iphone', 'ios-mail', 'es', 'Perfecto, gracias.\nThe crew have been told.',
      tag='Enviado desde mi iPhone', hkind='apple', req=5, frm=P['sofia'], rdate='2026-06-22 12:00 +0200', when='2026-06-22 12:10 +0200',
      notes='Spanish iOS tagline "Enviado desde mi iPhone"; Apple Spanish attribution.')
reply('tagline_sv_iphone', 'ios-mail', 'sv', 'Tack! I have added it to the inspection list for Thursday.',
      tag='Skickat från min iPhone', hkind='apple', req=1, frm=P['erik'], rdate='2026-08-19 07:30 +0200', when='2026-08-19 07:44 +0200', mode='text',
      notes='Swedish iOS tagline "Skickat från min iPhone"; Apple Swedish attribution "19 aug. 2026 kl. 07:30 skrev ...:".')
reply('tagline_samsung_en', 'samsung-email', 'en', 'On my way to Orchard Terrace now, will report back.',
      tag='Sent from my Galaxy', hkind='samsung', req=5, frm=P['kemi'], rdate='2026-09-02 10:00', when='2026-09-02 10:05',
      notes='Samsung Email "Sent from my Galaxy" tagline then "-------- Original message --------" block with trailing spaces; reply text begins with "On my way" (not an attribution).')
reply('tagline_outlook_android', 'outlook-android', 'en', 'Thanks. Noise case is open, EH/NS/2026/077, officer Kemi.',
      tag='Get Outlook for Android<https://aka.ms/AAb9ysg>', hkind='outlook_rule', req=3, frm=P['kemi'], rdate='2026-10-05 08:00', when='2026-10-05 08:09',
      notes='Outlook for Android: "Get Outlook for Android<https://aka.ms/AAb9ysg>" tagline then an underscore rule and From/Sent/To/Subject.')
reply('tagline_stacked_iphone_outlook_ios', 'outlook-ios', 'en',
      "Hi all,\n\nApproved. Please tell the resident the permit will be emailed today.",
      signoff='Aisha', tag='Sent from my iPhone\n\nGet Outlook for iOS<https://aka.ms/o0ukef>', hkind='outlook_rule', req=4, frm=P['aisha'],
      rdate='2026-11-09 09:00', when='2026-11-09 09:31',
      notes='Stacked taglines: a typed "Sent from my iPhone" signature plus Outlook for iOS\'s own "Get Outlook for iOS" link; sign-off is a bare name.')
reply('tagline_stacked_samsung_multilang', 'samsung-email', 'de',
      "Ja, passt. Please go ahead and close the case.",
      tag='Von meinem Samsung Galaxy Smartphone gesendet.\n\nSent from my Samsung Galaxy smartphone.', hkind='samsung', hlang='de', req=0, frm=P['anja'],
      rdate='2026-02-02 16:00 +0100', when='2026-02-02 16:20 +0100',
      notes='Two taglines stacked (German Samsung default plus an English copy the officer added); German Samsung "Ursprüngliche Nachricht" block.')
reply('tagline_it_iphone', 'ios-mail', 'it',
      'Ok, ci penso io. I will chase the contractor.',
      tag='Inviato da iPhone', hkind='apple', req=1, frm=P['giulia'], rdate='2026-03-23 11:00 +0100', when='2026-03-23 11:03 +0100', mode='text',
      notes='Italian iOS tagline "Inviato da iPhone"; Apple Italian attribution "Il giorno 23 mar 2026, alle ore 11:00, ... ha scritto:".')
reply('tagline_nl_iphone', 'ios-mail', 'nl', 'Is al geregeld, dank je. Already sorted this morning.',
      tag='Verstuurd vanaf mijn iPhone', hkind='apple', req=0, frm=P['joost'], rdate='2026-04-14 08:00 +0200', when='2026-04-14 08:12 +0200',
      notes='Dutch iOS tagline "Verstuurd vanaf mijn iPhone"; Apple Dutch attribution "Op 14 apr 2026 om 08:00 heeft ... het volgende geschreven:".')
reply('tagline_pl_iphone', 'ios-mail', 'pl', 'Dziękuję, przekazane. Forwarded to Highways.',
      tag="Wysłane z iPhone'a", hkind='apple', req=1, frm=P['marta'], rdate='2026-05-18 09:00 +0200', when='2026-05-18 09:20 +0200', mode='text',
      notes="Polish iOS tagline \"Wysłane z iPhone'a\"; Apple Polish attribution \"Wiadomość napisana przez ... w dniu ...:\"; the text contains the word Forwarded (not a forward).")

# Family 5: mailing-list footers
MAILMAN = ("_______________________________________________\nSpoc-officers mailing list\nSpoc-officers@lists.council.example\n"
           "https://lists.council.example/mailman/listinfo/spoc-officers")
GROUPS = ('-- \nYou received this message because you are subscribed to the "Street Scene Officers" group.\n'
          'To unsubscribe from this group and stop receiving emails from it, send an email to street-scene+unsubscribe@groups.council.example.\n'
          'To view this discussion visit https://groups.council.example/d/msgid/street-scene/CAF1x2y3.')
reply('list_footer_mailman', 'thunderbird', 'en',
      "Hi all,\n\nJust to confirm the Harbour Court noise case is with me now. Please send any new reports straight to me.",
      signoff='Thanks,\nOwen', hkind='gmail', req=3, frm=P['owen'], footer='\n' + MAILMAN, mode='text', rdate='2026-01-07 09:00', when='2026-01-07 11:20',
      extra_hdrs=[('List-Id', 'SPOC officers <spoc-officers.lists.council.example>'), ('Precedence', 'list')],
      notes='Reply posted via a Mailman list: the list footer after the quoted history must not be part of the reply.')
reply('list_footer_groups_bottom', 'gmail', 'en',
      "Morning,\n\nFly-tipping behind Orchard Terrace cleared today, photos on the case.",
      signoff=None, hkind='gmail', req=5, frm=P['kemi'], footer='\n' + GROUPS, rdate='2026-02-05 08:00', when='2026-02-05 13:00',
      extra_hdrs=[('List-Id', '<street-scene.groups.council.example>'), ('Precedence', 'list')],
      notes='Google-Groups-style list footer ("You received this message because you are subscribed ...") below the quoted history.')
reply('list_footer_directly_after_text', 'outlook-desktop', 'en',
      "Hello,\n\nPlease note the depot is closed on Friday for the bank holiday, so Friday collections move to Saturday.",
      signoff=None, hkind=None, req=0, frm=P['tom'],
      body="Hello,\n\nPlease note the depot is closed on Friday for the bank holiday, so Friday collections move to Saturday.\n\n" + MAILMAN.replace('Spoc-officers', 'Waste-ops').replace('spoc-officers', 'waste-ops') + '\n',
      mode='text', rdate='2026-05-01 09:00', when='2026-05-01 09:10', extra_hdrs=[('List-Id', '<waste-ops.lists.council.example>')],
      notes='List footer follows the new text directly, with no quoted history at all.')

# Family 6: Outlook top-posting, original appended unindented
reply('outlook_toppost_unindented_html', 'outlook-desktop', 'en',
      "Good afternoon,\n\nI have checked with the contractor. The repair to the Victoria Park swings is booked for 16 March and should take one day.\n\nI will let you know if that date moves.",
      signoff='Kind regards\nRhys', sig=sig('rhys', 'Parks and Open Spaces Officer', '733'), hkind='outlook', req=0, frm=P['rhys'], mode='alt',
      rdate='2026-03-09 10:00', when='2026-03-09 14:14',
      notes='Outlook HTML+plain top-post: the SPOC request is appended below an unindented From/Sent/To/Subject block (no ">" quoting at all).')
reply('owa_toppost_rule_nested_history', 'owa', 'en',
      "Hi,\n\nThis one is for Parking Services rather than us - I have sent it over to them and copied you in.",
      signoff='Thanks\nTom', hkind=None, req=1, frm=P['tom'], rdate='2026-06-01 09:00', when='2026-06-01 10:00',
      body=("Hi,\n\nThis one is for Parking Services rather than us - I have sent it over to them and copied you in.\n\nThanks\nTom\n\n"
            "________________________________\nFrom: SPOC Team <spoc@council.example>\nSent: 01 June 2026 09:00\nTo: Tom Dummyfield <tom.dummyfield@council.example>\n"
            "Subject: SPOC-2026-0587 Pothole outside 14 Station Road\n\nHi,\n\nPlease can you advise on the resident's email below?\n\nThanks\nSPOC Team\n\n"
            "From: Ana Ficticia <ana.ficticia@example.net>\nSent: 31 May 2026 18:02\nTo: SPOC <spoc@council.example>\nSubject: Parking permit\n\n"
            "I applied for a resident parking permit six weeks ago and have heard nothing.\n"),
      notes='OWA top-post: underscore rule and unindented history that itself contains a second unindented header block; only the two top paragraphs are new.')
reply('outlook_toppost_no_signoff_sig_only', 'outlook-desktop', 'en',
      "Please see attached the surveyor's report for 41 Beech House. Works order raised: WO-55821.",
      signoff=None, sig=sig('aisha', 'Surveyor, Asset Management', '804'), hkind='outlook_rule', req=2, frm=P['aisha'], cte='base64',
      rdate='2026-07-13 08:00', when='2026-07-13 15:30',
      notes='No valediction: the text is followed straight by the signature block, then an underscore rule and unindented history (base64 body).')

# Family 7: hard negatives that must be kept
reply('keep_thanks_dan_only', 'outlook-desktop', 'en', 'Thanks, Dan', signoff=None, hkind='outlook', req=5, frm=P['dan'],
      rdate='2026-02-23 09:00', when='2026-02-23 09:05',
      notes='The whole new text is "Thanks, Dan" on one line. Under the README sign-off rule this could be read as valediction+name, '
            'but then reply_text would be empty; since it is the only thing the officer wrote, it IS the reply, so reply_text="Thanks, Dan" and signoff=null '
            '(a parser must not strip it to nothing).')
reply('keep_thanks_dan_with_tagline', 'ios-mail', 'en', 'Thanks, Dan', signoff=None, tag='Sent from my iPhone', hkind='apple', req=0, frm=P['dan'],
      rdate='2026-04-02 11:00', when='2026-04-02 11:30', mode='text',
      notes='"Thanks, Dan" as the entire reply followed by "Sent from my iPhone"; the tagline goes, the thanks line stays (reply_text, signoff null; same reasoning as keep_thanks_dan_only).')
reply('keep_on_monday_i_will', 'outlook-desktop', 'en',
      "Hi SPOC,\n\nOn Monday I will visit Harbour Court with the night-time noise team and speak to both households.\nOn the 14th the monitoring equipment goes in for a fortnight.",
      signoff='Regards,\nOwen', sig=sig('owen', 'Environmental Health Officer', '290', short=True), hkind='outlook', req=3, frm=P['owen'],
      rdate='2026-06-19 09:00', when='2026-06-19 12:00',
      notes='New text has lines starting "On Monday I will ..." and "On the 14th ..." which are not attribution lines and must be kept.')
reply('keep_on_friday_wrote_line', 'gmail', 'en',
      "Hello,\n\nOn Friday the tenant wrote to us again, so I have escalated the damp case to the area manager.\nOn 12 January 2026, at the last inspection, the mould was limited to one wall:\nit has spread since.",
      signoff='Best,\nPriya', hkind='gmail', req=2, frm=P['priya'], rdate='2026-01-16 09:00', when='2026-01-16 17:30',
      notes='Hard negative: "On Friday the tenant wrote to us again" and a line "On 12 January 2026, at ..., ... wall:" look like attribution lines (start with On, contain wrote / end with a colon) but are new text.')
reply('keep_paragraph_after_signoff_ps', 'outlook-desktop', 'en',
      "Hi,\n\nThe skip permit for 16 Rose Lane has now expired and enforcement will remove it on Thursday.\n\nKind regards,\nSam\n\nPS: please give the resident the enforcement reference ENF/2026/3302 so they can quote it.",
      signoff=None, sig=sig('sam', 'Highways Enforcement', '207'), hkind='outlook', req=1, frm=P['sam'], rdate='2026-10-19 09:00', when='2026-10-19 10:30',
      notes='A genuine new paragraph (PS) follows the "Kind regards,\\nSam" sign-off; the PS is part of the reply. Because the sign-off is not the closing, '
            'it is kept inside reply_text and signoff is null (the accept-with-signoff rule would otherwise put it in the wrong place).')
reply('keep_paragraph_after_thanks_line', 'gmail', 'en',
      "Hi SPOC,\n\nI have updated the case notes for the Blue Badge query.\n\nThanks,\n\nActually, one more thing: the resident also needs a new parking bay marked outside the house, so please open a second case for Highways.",
      signoff='Cheers,\nKemi', hkind='gmail', req=4, frm=P['kemi'], rdate='2026-08-24 09:00', when='2026-08-24 09:50',
      notes='A signature-like "Thanks," line is followed by a genuinely new paragraph; only the final "Cheers,\\nKemi" is the sign-off.')
reply('keep_forwarded_message_prose', 'outlook-desktop', 'en',
      "Hello,\n\nI forwarded the message to the Highways inspectors this morning and asked them to prioritise it.\nI will reply to the resident once I have their forwarded message back with the inspection date.",
      signoff='Many thanks,\nGwen', hkind='outlook', req=1, frm=P['gwen'], rdate='2026-09-07 08:30', when='2026-09-07 09:15',
      notes='Prose mentions "forwarded the message" / "forwarded message"; nothing here is a forward separator and the text must be kept.')
reply('keep_forwarded_message_line_start', 'gmail', 'en',
      "Forwarded message received, thanks - I will pick this up today.\nForwarding it on to the area team is not needed, it is ours.",
      signoff=None, hkind='gmail', req=0, frm=P['jo'], rdate='2026-11-30 08:00', when='2026-11-30 08:07',
      notes='The reply starts with "Forwarded message received" (looks like the start of a Gmail "Forwarded message" separator but is prose) and must be kept whole.')
reply('keep_dashes_in_text', 'outlook-desktop', 'en',
      "Hi,\n\nSummary of actions:\n-----\n1. Bins collected today.\n2. Crew briefed about the cul-de-sac.\n-----\nNo further action needed from SPOC.",
      signoff='Regards,\nTom', hkind='outlook', req=0, frm=P['tom'], rdate='2026-03-17 08:00', when='2026-03-17 12:00',
      notes='A dashed rule inside the new text (not "-----Original Message-----" and not "-- ") must not be taken as a separator.')


# ================================================================ check
def decoded_text(msg):
    import email.policy  # noqa
    chunks = ['Subject: %s' % msg['Subject']]
    for part in msg.walk():
        if part.get_content_type() == 'message/rfc822' or (part is not msg and part.get('From') and part.get_content_maintype() != 'text'):
            pass
        if part.get('From') and part is not msg:
            chunks.append('From: %s\nSubject: %s\nDate: %s' % (part['From'], part['Subject'], part['Date']))
        if part.get_content_maintype() == 'text':
            t = part.get_content()
            if part.get_content_subtype() == 'html':
                t = re.sub(r'<br\s*/?>|</div>|</p>', '\n', t, flags=re.I)
                t = html.unescape(re.sub(r'<[^>]+>', '', t))
            chunks.append(t)
    return '\n'.join(chunks)


def norm(s):
    return re.sub(r'\s+', ' ', s).strip()


def check():
    import email
    import email.policy
    bad = 0
    for folder in ('forwards', 'replies'):
        d = os.path.join(OUT, folder)
        names = sorted(n[:-4] for n in os.listdir(d) if n.endswith('.eml'))
        for n in names:
            raw = open(os.path.join(d, n + '.eml'), 'rb').read()
            meta = json.load(open(os.path.join(d, n + '.json'), encoding='utf-8'))
            problems = []
            if b'\n' in raw.replace(b'\r\n', b''):
                problems.append('bare LF')
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            if msg.defects:
                problems.append('defects %r' % msg.defects)
            for p in msg.walk():
                if p.defects:
                    problems.append('part defects %r' % p.defects)
            txt = norm(decoded_text(msg))
            if folder == 'forwards':
                for fw in meta['forwarded']:
                    for v in (fw['from']['email'], fw['from']['name'], fw['subject']):
                        if v and norm(v) not in txt:
                            problems.append('missing %r' % v)
                    if not re.match(r'\d{4}-\d\d-\d\d$', fw['date']):
                        problems.append('bad date')
                if norm(meta['original_body_contains']) not in txt:
                    problems.append('missing body %r' % meta['original_body_contains'])
            else:
                rt = meta['reply_text']
                for line in rt.split('\n') + (meta['signoff'] or '').split('\n'):
                    if line.strip() and norm(line) not in txt:
                        problems.append('missing line %r' % line)
                full = norm(rt + (' ' + meta['signoff'] if meta['signoff'] else ''))
                if full not in txt:
                    problems.append('reply_text(+signoff) not contiguous')
                for bad_w in ('Sent from', 'Get Outlook', 'iPhone', 'Galaxy', 'wrote:', 'mailing list', '-----Original'):
                    if bad_w in rt:
                        problems.append('reply_text contains %r' % bad_w)
            for k in (('client', 'language', 'kind', 'forwarded', 'original_body_contains', 'notes') if folder == 'forwards'
                      else ('client', 'language', 'reply_text', 'signoff', 'notes')):
                if k not in meta:
                    problems.append('json key missing %s' % k)
            if problems:
                bad += 1
                print(folder, n, problems)
        print(folder, len(names), 'checked')
    print('FAILURES:', bad)
    return bad


if __name__ == '__main__':
    for sub in ('forwards', 'replies'):
        for fn in os.listdir(os.path.join(OUT, sub)):
            if fn.endswith(('.eml', '.json')):
                os.remove(os.path.join(OUT, sub, fn))
    emit_forwards()
    emit_replies()
    print('forwards', len(FWD), 'replies', len(REPLIES))
    if '--check' in sys.argv:
        sys.exit(1 if check() else 0)
