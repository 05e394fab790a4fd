// The overview: accounts, mail and job health, and logins, failures and
// registrations per hour over 24 hours and per day over 30 days.
import * as api from '../api.js';
import { barChart } from '../chart.js';
import { h } from '../dom.js';

// labelsOf names each point of a series: hours as HH:00, days as D/M.
function labelsOf(series) {
  const n = Math.max(series.logins?.length || 0, series.failures?.length || 0, series.registrations?.length || 0);
  const start = new Date(series.start || Date.now());
  const step = series.step === 'day' ? 86_400_000 : 3_600_000;
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(start.getTime() + i * step);
    return series.step === 'day' ? `${d.getDate()}/${d.getMonth() + 1}`
      : `${String(d.getHours()).padStart(2, '0')}:00`;
  });
}

function charts(title, series, tickEvery) {
  if (!series) return null;
  const labels = labelsOf(series);
  const v = (a) => labels.map((_, i) => (a && a[i]) || 0);
  return h('section', { 'aria-labelledby': `h-${series.step}` },
    h('h2', { id: `h-${series.step}` }, title),
    h('div', { class: 'chart-grid' },
      series.failures
        ? barChart(`Logins and failures ${series.step === 'day' ? 'per day' : 'per hour'}`, labels,
          [{ name: 'Logins', values: v(series.logins) }, { name: 'Failures', values: v(series.failures) }], { tickEvery })
        : barChart(`Logins ${series.step === 'day' ? 'per day' : 'per hour'}`, labels,
          [{ name: 'Logins', values: v(series.logins) }], { tickEvery }),
      barChart(`Registrations ${series.step === 'day' ? 'per day' : 'per hour'}`, labels,
        [{ name: 'Registrations', values: v(series.registrations) }], { tickEvery })));
}

const sum = (a) => (a || []).reduce((x, y) => x + y, 0);

export async function render() {
  const o = await api.get('/overview');
  const mail = o.mail || {};
  const jobs = o.jobs || {};
  const card = (label, n, bad = false, href) => h('li', { class: bad && n > 0 ? 'bad' : null },
    h('span', { class: 'n' }, String(n ?? 0)), href ? h('a', { href }, label) : label);
  return [
    h('h1', null, 'Overview'),
    h('ul', { class: 'cards', 'aria-label': 'Health' },
      card('accounts, all sites', o.accounts),
      card('logins in 24 h', sum(o.hourly?.logins)),
      o.hourly?.failures ? card('failed logins in 24 h', sum(o.hourly.failures), true) : null,
      card('registrations in 24 h', sum(o.hourly?.registrations)),
      card('mails queued', mail.queued, false, '#/outbox?status=queued'),
      card('mails failed', mail.failed, true, '#/outbox?status=failed'),
      card('jobs running', jobs.running, false, '#/jobs'),
      card('jobs failed', jobs.failed, true, '#/jobs')),
    charts('The last 24 hours', o.hourly, 3),
    charts('The last 30 days', o.daily, 5),
  ];
}
