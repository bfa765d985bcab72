/** What Claude models cost, in US dollars per million tokens (Anthropic's published rates). */
export interface ModelPrice {
  input: number;
  output: number;
}

/** The model Policy OS asks unless `CLAUDE_MODEL` names another. */
export const DEFAULT_MODEL = "claude-sonnet-5-5";

const PRICES: Record<string, ModelPrice> = {
  "claude-sonnet-5-5": { input: 2, output: 10 },
  "claude-sonnet-5": { input: 2, output: 10 },
  "claude-sonnet-4-6": { input: 3, output: 15 },
  "claude-sonnet-4-5": { input: 3, output: 15 },
  "claude-haiku-4-5": { input: 1, output: 5 },
  "claude-opus-4-5": { input: 5, output: 25 },
};

/** A model nobody priced is charged at this rate, so a tenant's cap errs on the side of stopping early. */
export const UNKNOWN_MODEL_PRICE: ModelPrice = { input: 15, output: 75 };

/**
 * The price of `model`: `override` ("input,output" in dollars per million tokens, from `CLAUDE_PRICE_PER_MTOK`)
 * when given and well formed, else the published rate, else {@link UNKNOWN_MODEL_PRICE}.
 */
export function priceOf(model: string, override?: string): ModelPrice {
  const parts = override?.split(",").map((part) => Number(part.trim()));
  if (parts?.length === 2 && parts.every((part) => Number.isFinite(part) && part >= 0))
    return { input: parts[0]!, output: parts[1]! };
  const dated = model.replace(/-\d{8}$/, "");
  return PRICES[dated] ?? UNKNOWN_MODEL_PRICE;
}

/** What `usage` cost at `price`, in millionths of a dollar (dollars per million tokens × tokens). */
export function costMicroUsd(price: ModelPrice, usage: { input_tokens: number; output_tokens: number }): number {
  return Math.ceil(price.input * usage.input_tokens + price.output * usage.output_tokens);
}
