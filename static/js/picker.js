// picker.js: Enter in a client picker's search box (views.ClientPick) searches at once, as typing does after a
// pause (htmx's "search" trigger on the box), instead of sending the form around it: the form would act on whichever
// client was chosen before the search. Without JavaScript, Enter sends the form, which then offers the matches.
(() => {
	const inPicker = (e) => e.key === 'Enter' && e.target instanceof HTMLInputElement &&
		e.target.matches('.client-picker input[type=search]');
	document.addEventListener('keydown', (e) => {
		if (!inPicker(e)) {
			return;
		}
		e.preventDefault();
		if (window.htmx) {
			window.htmx.trigger(e.target, 'search');
		}
	});
	// The browser sends the form from Enter's keypress, which a synthetic key (or an older browser) may deliver even
	// when its keydown was prevented.
	document.addEventListener('keypress', (e) => {
		if (inPicker(e)) {
			e.preventDefault();
		}
	});
})();
