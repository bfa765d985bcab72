import { Environment } from "@marcbachmann/cel-js";
let env = new Environment({homogeneousAggregateLiterals:false}).registerVariable("args","dyn");
try { env.registerFunction("string.matches(string): bool", (a,b)=> { console.log("mine"); return true; }); console.log("override ok"); } catch(e) { console.log("ERR", e.message); }
console.log(env.evaluate('"a".matches("b")', {args:{}}));
try { env.registerFunction("string.safeMatches(string): bool", (a,b)=> true); console.log("new ok"); } catch(e) { console.log("ERR", e.message); }
