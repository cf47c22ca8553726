// @ts-check
// One page of a paged dashboard list (GET path?page=N): the page asked for, or the last one with
// items when deleting emptied it, and the list's error line kept in step.
import { api } from "../common/api.js";

/**
 * The API's page `page` of `path`, stepping back while the page holds no `items` (its last ones
 * were deleted); on failure `error` says what could not be loaded and the answer is null.
 * @param {{path: string, items: string, page: number, error: HTMLElement, what: string}} request
 * @returns {Promise<any>}
 */
export async function loadPage({ path, items, page, error, what }) {
  try {
    let result = await api.get(`${path}?page=${page}`);
    while (result[items].length === 0 && result.page > 1) {
      result = await api.get(`${path}?page=${result.page - 1}`);
    }
    error.hidden = true;
    return result;
  } catch (failure) {
    error.textContent = `Could not load ${what}: ${failure.message}`;
    error.hidden = false;
    return null;
  }
}
