// Renders the report from the inlined #report-data with plotly.js, then records the outcome in #report-status
// (checked by the headless-browser test): "ok" only when every chart drew at least one trace with data.
(function () {
  'use strict';
  const status = document.getElementById('report-status');
  const errors = [];
  window.addEventListener('error', e => errors.push(String(e.message || e)));
  window.addEventListener('unhandledrejection', e => errors.push('unhandled rejection: ' + String(e.reason)));
  const consoleError = console.error.bind(console);
  console.error = (...args) => { errors.push(args.map(String).join(' ')); consoleError(...args); };

  const data = JSON.parse(document.getElementById('report-data').textContent);
  const root = document.getElementById('report');
  const charts = [];
  const dashes = ['solid', 'dash', 'dot', 'dashdot'];
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const config = { displaylogo: false, displayModeBar: false, responsive: true };

  function element(tag, className, text, parent) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    (parent || root).appendChild(e);
    return e;
  }

  function plot(parent, className, traces, layout) {
    const div = element('div', 'chart ' + className, undefined, parent);
    const base = { margin: { l: 60, r: 20, t: 36, b: 44 }, font: { size: 11 }, legend: { font: { size: 10 } } };
    charts.push({ div: div, promise: Plotly.newPlot(div, traces, Object.assign(base, layout), config) });
  }

  // Columns of metrics.csv or hessian.csv as (step, value) points without empty cells.
  function series(columns, name) {
    const x = [], y = [];
    columns[name].forEach((v, i) => { if (v !== null && columns.step[i] !== null) { x.push(columns.step[i]); y.push(v); } });
    return { x: x, y: y };
  }

  function lines(anchor, title, yTitle, accept, label, fromHessian, logY) {
    const traces = [];
    data.runs.forEach((run, r) => {
      const columns = fromHessian ? run.hessian : run.metrics;
      if (!columns) return;
      Object.keys(columns).filter(accept).forEach((column, k) => {
        const s = series(columns, column);
        if (s.x.length === 0) return;
        traces.push({ type: 'scatter', mode: s.x.length > 1 ? 'lines+markers' : 'markers', x: s.x, y: s.y,
          marker: { size: fromHessian ? 5 : 0 },
          name: (data.runs.length > 1 ? run.label + ' · ' : '') + label(column),
          line: { dash: dashes[r % dashes.length], color: palette[k % palette.length], width: 1.6 } });
      });
    });
    if (traces.length === 0) return 0;
    // A log axis would silently drop zero or negative values (a Hessian can have λ_max < 0).
    const positive = traces.every(t => t.y.every(v => v > 0));
    element('h2', null, title).id = anchor;
    plot(root, 'wide', traces, { title: { text: title, font: { size: 13 } },
      xaxis: { title: { text: 'step' } }, yaxis: { title: { text: yTitle }, type: logY && positive ? 'log' : 'linear', exponentformat: 'e' } });
    return traces.length;
  }

  function header() {
    element('h1', null, 'PinnServe report: ' + data.title);
    element('div', 'meta', 'Generated ' + data.generated + ' from ' + data.runs.map(r => r.directory).join(', '));
    const table = element('table', 'runs');
    const head = ['run', 'problem', 'architecture', 'weighting', 'layers', 'steps', 'seconds', 'relative L²'];
    table.appendChild(document.createElement('tr')).innerHTML = head.map(h => '<th>' + h + '</th>').join('');
    data.runs.forEach(run => {
      const s = run.summary || {};
      const cells = [run.label, run.config.problem, run.config.architecture, run.config.weighting, run.config.layers, run.step,
        s.seconds !== undefined ? s.seconds : '–', s.rel_l2 !== undefined && s.rel_l2 !== null ? Number(s.rel_l2).toExponential(3) : '–'];
      const tr = table.appendChild(document.createElement('tr'));
      cells.forEach(c => { tr.appendChild(document.createElement('td')).textContent = String(c); });
    });
  }

  function heatmap(parent, title, fields, z, colorscale, axisNames, range) {
    if (fields.coordinates.length === 1) {
      plot(parent, 'third', [{ type: 'scatter', mode: 'lines', x: fields.coordinates[0], y: z[0], name: title }],
        { title: { text: title, font: { size: 12 } }, xaxis: { title: { text: axisNames[0] } } });
      return;
    }
    const scale = range ? { zmin: range[0], zmax: range[1] } : {};
    plot(parent, 'third', [Object.assign({ type: 'heatmap', x: fields.coordinates[0], y: fields.coordinates[1], z: z, colorscale: colorscale,
      colorbar: { thickness: 12, exponentformat: 'e' } }, scale)],
      { title: { text: title, font: { size: 12 } }, xaxis: { title: { text: axisNames[0] } }, yaxis: { title: { text: axisNames[1] } } });
  }

  function fieldSection() {
    element('h2', null, 'Fields: predicted, exact, absolute error').id = 'fields';
    data.runs.forEach(run => {
      const f = run.fields;
      element('h3', null, run.label + (f.slice ? ' (slice ' + f.slice + ')' : '') + ' · exact from ' + f.exact_source);
      f.items.forEach(item => {
        const row = element('div', 'row');
        // Predicted and exact share one colour scale, so equal colours mean equal values.
        const values = item.predicted.concat(item.exact || []).flat().filter(v => v !== null);
        const range = [values.reduce((a, b) => Math.min(a, b), Infinity), values.reduce((a, b) => Math.max(a, b), -Infinity)];
        heatmap(row, 'predicted ' + item.name, f, item.predicted, 'RdBu', f.axes, range);
        if (item.exact) {
          heatmap(row, 'exact ' + item.name, f, item.exact, 'RdBu', f.axes, range);
          heatmap(row, '|error| ' + item.name, f, item.error, 'Viridis', f.axes);
        }
      });
    });
  }

  // One figure per run, step and scaling: a subplot per weight layer, the terms' histograms overlaid as densities.
  function histogramSection() {
    if (!data.runs.some(r => r.histograms && r.histograms.snapshots.length > 0)) return;
    element('h2', null, 'Gradient histograms per layer (∇_W of each loss term)').id = 'histograms';
    element('div', 'note', 'Unweighted ∇_W L_i and weighted λ_i ∇_W L_i on shared bins per layer; densities, so narrow spikes are tall.');
    data.runs.forEach(run => {
      if (!run.histograms) return;
      run.histograms.snapshots.forEach(snapshot => {
        [['unweighted', 'unweighted_edges', '∇_W L_i'], ['weighted', 'weighted_edges', 'λ_i ∇_W L_i']].forEach(([key, edgesKey, what]) => {
          element('h3', null, run.label + ' · step ' + snapshot.step + ' · ' + what);
          const layers = snapshot.layers;
          const traces = [];
          const layout = { grid: { rows: 1, columns: layers.length, pattern: 'independent' }, barmode: 'overlay', bargap: 0,
            margin: { l: 40, r: 10, t: 30, b: 40 }, annotations: [] };
          layers.forEach((layer, l) => {
            const edges = layer[edgesKey];
            const width = edges[1] - edges[0];
            const centers = edges.slice(0, -1).map((e, i) => e + width / 2);
            const axis = l === 0 ? '' : String(l + 1);
            layer[key].forEach((term, t) => {
              const total = term.counts.reduce((a, b) => a + b, 0) || 1;
              traces.push({ type: 'bar', x: centers, y: term.counts.map(c => c / total / width), width: width, opacity: 0.55,
                name: term.term, legendgroup: term.term, showlegend: l === 0, marker: { color: palette[t % palette.length] },
                xaxis: 'x' + axis, yaxis: 'y' + axis });
            });
            layout['xaxis' + axis] = { exponentformat: 'e', tickfont: { size: 9 }, nticks: 4 };
            layout['yaxis' + axis] = { tickfont: { size: 9 }, exponentformat: 'e' };
            layout.annotations.push({ text: layer.layer, showarrow: false, xref: 'x' + axis + ' domain', yref: 'y' + axis + ' domain',
              x: 0.5, y: 1.12, font: { size: 10 } });
          });
          plot(root, 'strip', traces, layout);
        });
      });
    });
  }

  function finish() {
    Promise.all(charts.map(c => c.promise)).then(() => {
      const blank = charts.filter(c => {
        const drawn = c.div.querySelectorAll('.main-svg .trace, .main-svg .hm, .heatmaplayer image, .barlayer .point').length;
        const hasData = (c.div.data || []).some(t => ['x', 'y', 'z'].some(k => Array.isArray(t[k]) && t[k].length > 0));
        return drawn === 0 || !hasData;
      });
      if (blank.length > 0) errors.push(blank.length + ' chart(s) drew nothing');
      status.dataset.charts = String(charts.length);
      status.dataset.status = errors.length === 0 ? 'ok' : 'error: ' + errors.join(' | ');
      status.textContent = status.dataset.status;
    }, e => {
      status.dataset.status = 'error: ' + String(e);
    });
  }

  try {
    header();
    lines('losses', 'Loss terms (unweighted)', 'loss', c => c.startsWith('loss_'), c => c.slice(5), false, true);
    lines('weights', 'Loss weights λ', 'λ', c => c.startsWith('lambda_'), c => 'λ ' + c.slice(7), false, true);
    lines('error', 'Relative L² error', 'relative L²', c => c.startsWith('rel_l2_'), c => c.slice(7), false, true);
    lines('hessian', 'Largest Hessian eigenvalue (stiffness)', 'λ_max(∇²L)', c => !['step', 'products', 'seconds'].includes(c), c => c, true, true);
    fieldSection();
    histogramSection();
    finish();
  } catch (e) {
    status.dataset.status = 'error: ' + (e && e.stack ? e.stack : String(e));
  }
})();
