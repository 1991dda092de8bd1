/**
 * `work`'s result, or `late` once `deadline` (a Date.now() time) passes first. Quitting uses it so
 * that a step that hangs (a child process that does not answer) cannot hold up the rest; the
 * step itself goes on in the background. The timer never outlives the race.
 */
export async function beforeDeadline<T, L>(work: Promise<T>, deadline: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, cut]);
  } finally {
    clearTimeout(timer);
  }
}
