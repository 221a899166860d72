/** The pipeline `lockstep init --example` writes: plain Node, runs as is, every line a lesson. */
export const EXAMPLE_PIPELINE = `# A lockstep pipeline. Each stage runs its cmd only when its deps, params or outs changed:
#   lockstep repro      run what changed        lockstep status   say what would run and why
#   lockstep gate       check the gates below   lockstep dag      draw the graph
stages:
  prepare:
    # \${...} inserts a value from params.yaml, quoted for the shell.
    cmd: node -e "const fs=require('fs');fs.mkdirSync('data',{recursive:true});let s='';for(let i=0;i<Number(process.argv[1]);i++)s+=(i*37%100)/100+'\\n';fs.writeFileSync('data/values.txt',s)" \${data.rows}
    params: [data.rows]               # the params.yaml keys this stage reads
    outs: [data/values.txt]           # cached: restored, not rebuilt, when nothing changed
  evaluate:
    cmd: node -e "const fs=require('fs');const v=fs.readFileSync('data/values.txt','utf8').trim().split('\\n').map(Number);const t=Number(process.argv[1]);fs.writeFileSync('metrics.json',JSON.stringify({share_above:v.filter(x=>x>t).length/v.length},null,2)+'\\n')" \${evaluate.threshold}
    deps: [data/values.txt]           # files it reads: a change reruns it
    params: [evaluate.threshold]
    metrics:
      - metrics.json: {cache: false}  # small and committed; lockstep metrics diff compares it
gates:
  share_above: {min: 0.2}             # lockstep gate exits 1 when the metric falls below
`;

export const EXAMPLE_PARAMS = `# Values the stages read. Change one, then ask: lockstep status
data:
  rows: 200
evaluate:
  threshold: 0.5
`;
