import { describe, expect, it } from "vitest";
import { redactText, type DetectorName } from "../../src/redaction";

/** The formats the held-out corpus showed missing, one row each, beside the look-alikes they must leave alone. */
const FOUND: [string, DetectorName, string, string][] = [
  ["a GitLab personal access token", "secret", "glpat-xK3bL9mQ2rT7vW1yZ5aC", "token glpat-xK3bL9mQ2rT7vW1yZ5aC ok"],
  ["a GitLab deploy token", "secret", "gldt-Ab3dEf6hIj9kLm2nOp5q", "use gldt-Ab3dEf6hIj9kLm2nOp5q now"],
  ["a password= assignment's value", "secret", "Tr0ub4dor&3x", "login with password=Tr0ub4dor&3x, thanks"],
  ["a passwd: assignment's value", "secret", "c0rrecthorse", "passwd: c0rrecthorse"],
  ["an api_key= assignment's value", "secret", "a1b2c3d4e5f6a7b8", "api_key=a1b2c3d4e5f6a7b8"],
  [
    "an AWS secret key in aws_secret_access_key =",
    "secret",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  ],
  ["a quoted DB_PASSWORD in an env line", "secret", "s3cr3t-Passw0rd", 'DB_PASSWORD="s3cr3t-Passw0rd"'],
  ["a dotted IBAN", "iban", "DE89.3704.0044.0532.0130.00", "pay DE89.3704.0044.0532.0130.00."],
  ["a dashed IBAN", "iban", "GB82-WEST-1234-5698-7654-32", "to GB82-WEST-1234-5698-7654-32 today"],
  ["a German number with a five-digit area code", "phone", "09018 12625179", "call 09018 12625179"],
  ["a Dutch mobile with an eight-digit group", "phone", "06 59704654", "mobiel 06 59704654"],
  ["a British number with a six-digit area code", "phone", "016977 5568", "ring 016977 5568 today"],
  ["a Japanese number with a one-digit group", "phone", "08876-2-6690", "電話 08876-2-6690"],
  ["a Brazilian number with its area code in parentheses", "phone", "(71) 18876-2669", "ligue (71) 18876-2669"],
  ["a Spanish number in 3-2-2-2", "phone", "988 75 65 97", "llama al 988 75 65 97"],
  ["a Polish number in 2-3-2-2 with dashes", "phone", "71-251-79-94", "tel. 71-251-79-94"],
  ["a Spanish number in 3-3-3 with dashes", "phone", "999-493-308", "Marilú says it is 999-493-308. Thanks!"],
  ["a Spanish number in 3-3-3 with dots", "phone", "913.173.178", "Andrea says it is 913.173.178. Thanks!"],
  ["a number behind + and a country code 0, solid", "phone", "+08553919859", "from Porfirio: +08553919859"],
  ["a number behind + and a country code 0, in groups", "phone", "+09 5600 07011892", "wrote: +09 5600 07011892, ok"],
];

const LEFT: [string, string][] = [
  ["a password hint", "password_hint=remember the dog"],
  ["a password too short to be one", "password=hunter2"],
  ["a prose mention of a password", "the password: is reset weekly"],
  ["a token count", "max_tokens=4096000 for this run"],
  ["an IPv4 address of nine digits", "host 10.123.45.67 is up"],
  ["a 3-3-3 number with a dash and a dot", "829-723.446"],
  ["the first three octets of an IPv4 address", "host 192.168.100.x is up"],
  ["a signed decimal starting +0.", "delta +0.00012345 BTC"],
  ["a zip+4 code", "Springfield 04368-3297"],
  ["an SSN-shaped look-alike in 3-2-4 that fails the SSA rules", "000-12-3456"],
  ["a dotted version", "release 1.22.333"],
];

describe("formats missing before the held-out corpus", () => {
  it.for(FOUND)("redacts %s", ([, detector, value, text]) => {
    const result = redactText(text);
    expect(result.text).not.toContain(value);
    expect(result.redactions).toContainEqual({ detector, count: 1 });
  });

  it.for(LEFT)("leaves %s untouched", ([, text]) => {
    expect(redactText(text)).toEqual({ text, redactions: [] });
  });
});
