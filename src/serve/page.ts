// The dashboard page: static HTML, CSS and script (served as files so that the CSP can forbid
// inline script). The script renders the server's JSON with textContent only; the one exception is
// the timeline SVG, which the server builds with every name escaped (render-timeline.ts).
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>kfleet runs</title><link rel="stylesheet" href="/app.css"></head>
<body>
<header><h1>kfleet <span class="sub">runs</span></h1><span id="live" class="live off">connecting…</span></header>
<div class="wrap">
<aside><h2>Runs</h2><ul id="runs"></ul></aside>
<main>
<p id="empty" hidden>No runs in this state directory yet. Runs appear here as soon as <code>kfleet apply</code> starts one.</p>
<section id="run" hidden>
<h2><span id="run-title"></span> <span id="verdict" class="badge"></span></h2>
<p id="run-meta" class="meta"></p>
<p id="reason" class="reason" hidden></p>
<div id="controls" hidden>
<input id="token" type="password" placeholder="control token" aria-label="control token" autocomplete="off">
<button id="promote" type="button" hidden>Promote</button>
<button id="abort" type="button" class="danger">Abort run</button>
<span id="control-msg"></span>
</div>
<h3>Phases</h3>
<table id="phases"><thead><tr><th>Phase</th><th>Hosts</th><th>State</th><th>Failed</th><th>Budget</th><th>Soak gate</th></tr></thead><tbody></tbody></table>
<p id="budget" class="meta"></p>
<h3>Timeline</h3>
<div id="timeline"></div>
<h3>Hosts</h3>
<table id="hosts"><thead><tr><th>Host</th><th>Phase</th><th>State</th><th>Reboots</th><th>Error</th></tr></thead><tbody></tbody></table>
<h3>Findings</h3>
<ul id="findings"></ul>
</section>
</main></div>
<script src="/app.js"></script>
</body></html>
`;

export const APP_CSS = `
[hidden]{display:none!important}
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{display:flex;align-items:center;gap:16px;padding:10px 18px;background:#1f2a3c;color:#fff}
header h1{font-size:18px;margin:0}.sub{font-weight:400;opacity:.7}
.live{font-size:12px;padding:2px 8px;border-radius:10px;background:#3a8f4a}.live.off{background:#8a8f99}
.wrap{display:flex;align-items:flex-start}
aside{width:270px;padding:8px 12px;border-right:1px solid #dde3ea;min-height:calc(100vh - 46px);box-sizing:border-box}
aside h2{font-size:14px;margin:6px 0}
#runs{list-style:none;padding:0;margin:0}
#runs li{padding:6px 8px;border-radius:6px;cursor:pointer;margin-bottom:4px;border:1px solid transparent}
#runs li:hover{background:#eef2f7}#runs li.sel{background:#e3ecfa;border-color:#9db8e6}
#runs .id{font-family:ui-monospace,monospace;font-size:12px}#runs .st{font-size:12px;color:#556}
main{flex:1;padding:8px 20px;min-width:0}
h2{font-size:17px}h3{font-size:14px;margin:18px 0 6px}
.meta{color:#556;margin:2px 0}.reason{color:#8a1c1c}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#8a8f99;color:#fff;vertical-align:middle}
.badge.converged,.badge.checked{background:#3a8f4a}.badge.halted,.badge.aborted{background:#c0392b}.badge.running{background:#2f6fd0}.badge.pending_reboot,.badge.refused{background:#b8860b}
table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #dde3ea;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f7}
td.state{font-weight:600}.s-failed,.s-unreachable,.s-reverted,.s-halted{color:#b3261e}.s-verified,.s-done,.s-unchanged{color:#2e7d32}.s-rebooting,.s-soak,.s-wait_promote{color:#b26a00}
#controls{margin:8px 0;display:flex;gap:8px;align-items:center}
button{padding:4px 12px;border-radius:5px;border:1px solid #8aa0c0;background:#fff;cursor:pointer}button.danger{border-color:#c0392b;color:#c0392b}
#control-msg{font-size:12px;color:#556}
#timeline{overflow-x:auto;background:#fff;border:1px solid #dde3ea;padding:4px}
#findings{padding-left:18px}#findings li{font-family:ui-monospace,monospace;font-size:12px}
.legend{font-size:12px;color:#445}
`;

export const APP_JS = `(function(){
'use strict';
var $=function(id){return document.getElementById(id);};
var params=new URLSearchParams(location.search);
var chosen=params.get('run')||'';
var hash=new URLSearchParams(location.hash.slice(1));
if(hash.get('token')){sessionStorage.setItem('kfleet-token',hash.get('token'));history.replaceState(null,'',location.pathname+location.search);}
$('token').value=sessionStorage.getItem('kfleet-token')||'';
$('token').addEventListener('change',function(){sessionStorage.setItem('kfleet-token',$('token').value);});
var es=null,current=null;
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined&&text!==null)e.textContent=String(text);if(cls)e.className=cls;return e;}
function row(cells){var tr=document.createElement('tr');cells.forEach(function(c){tr.appendChild(c instanceof Node?c:el('td',c));});return tr;}
function stateCell(s){var td=el('td',s.replace(/_/g,' '),'state s-'+s);td.setAttribute('data-state',s);return td;}
function time(ts){return ts?new Date(ts).toISOString().replace('T',' ').slice(0,19)+'Z':'';}
function connect(){
  if(es)es.close();
  es=new EventSource('/api/events'+(chosen?'?run='+encodeURIComponent(chosen):''));
  es.addEventListener('state',function(m){var d=JSON.parse(m.data);$('live').textContent='live';$('live').className='live';render(d);});
  es.onerror=function(){$('live').textContent='reconnecting…';$('live').className='live off';};
}
function render(d){
  var ul=$('runs');ul.textContent='';
  d.runs.forEach(function(r){
    var li=el('li');li.setAttribute('data-run',r.run);if(d.run&&r.run===d.run.run)li.className='sel';
    li.appendChild(el('div',r.run,'id'));li.appendChild(el('div',r.play+' · '+(r.verdict||r.phase),'st'));
    li.addEventListener('click',function(){chosen=r.run;history.replaceState(null,'','?run='+encodeURIComponent(r.run));connect();});
    ul.appendChild(li);
  });
  $('empty').hidden=d.runs.length>0;
  var v=d.run;current=v;$('run').hidden=!v;if(!v)return;
  $('run-title').textContent='Run '+v.run+' — '+v.play;
  var verdict=v.verdict||'running';$('verdict').textContent=verdict.replace(/_/g,' ');$('verdict').className='badge '+verdict;
  $('run-meta').textContent=[v.command+(v.check?' --check':''),v.playbook,v.host_count+' hosts','started '+time(v.started),v.ended?'ended '+time(v.ended)+' (exit '+v.exit_code+')':v.phase].join(' · ');
  $('reason').hidden=!v.reason;$('reason').textContent=v.reason||'';
  var tb=$('phases').tBodies[0];tb.textContent='';
  v.phases.forEach(function(p){
    var budget=p.max_fail_percentage===null?p.failed_percent+'% failed':p.failed_percent+'% of '+p.max_fail_percentage+'% allowed';
    var soak=p.soak?(p.soak.done?'passed':p.soak.started?'soaking since '+time(p.soak.started):'after apply')+(p.soak.ms?' ('+Math.round(p.soak.ms/1000)+' s)':''):'none';
    if(p.soak&&p.state==='halted')soak='halted';
    var tr=row([String(p.phase),p.hosts.length+': '+p.hosts.slice(0,6).join(', ')+(p.hosts.length>6?', …':''),stateCell(p.state),p.failed+' of '+p.hosts.length,budget,soak]);
    tr.setAttribute('data-phase',p.phase);tb.appendChild(tr);
  });
  var lim=v.limits;
  $('budget').textContent='Run failure budget: '+v.budget.failed+' failed'+(v.budget.max_failed_hosts!==null?' of '+v.budget.max_failed_hosts+' allowed (max_failed_hosts)':'')+(lim?' · promote: '+lim.promote+' · health: unexpected_reboot '+lim.health.unexpected_reboot+', kfence_bugs '+lim.health.kfence_bugs+(lim.health.command?', command: '+lim.health.command:''):'');
  $('timeline').innerHTML=v.timeline_svg;
  var hb=$('hosts').tBodies[0];hb.textContent='';
  v.hosts.forEach(function(h){
    var tr=row([h.host,h.phase===null?'':String(h.phase),stateCell(h.state),h.reboots.map(function(r){return r.stage+' '+time(r.ts).slice(11);}).join(' → '),h.error||'']);
    tr.setAttribute('data-host',h.host);hb.appendChild(tr);
  });
  var fl=$('findings');fl.textContent='';
  if(!v.findings.length)fl.appendChild(el('li','none'));
  v.findings.forEach(function(f){fl.appendChild(el('li',f.host+' (phase '+f.phase+'): '+f.summary));});
  $('controls').hidden=!(d.control&&!v.verdict);
  $('promote').hidden=v.waiting_promote===null;
  if(v.waiting_promote!==null)$('promote').textContent='Promote to phase '+(v.waiting_promote+1);
}
function act(what){
  if(!current)return;
  fetch('/api/runs/'+encodeURIComponent(current.run)+'/'+what,{method:'POST',headers:{authorization:'Bearer '+$('token').value}})
    .then(function(r){return r.json().then(function(b){$('control-msg').textContent=r.ok?what+' requested':'refused: '+b.error;$('control-msg').setAttribute('data-status',r.status);});});
}
$('promote').addEventListener('click',function(){act('promote');});
$('abort').addEventListener('click',function(){if(confirm('Abort run '+current.run+'?'))act('abort');});
connect();
})();
`;
